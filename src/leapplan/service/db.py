"""Database engines, sessions and migrations of the monitoring service.

SQLite (the default, one file) runs in WAL mode with ``synchronous=FULL`` so that every acknowledged write survives
a SIGKILL or a power cut, ``busy_timeout`` of 30 s, and write transactions that start with ``BEGIN IMMEDIATE``.
Writes are serialised inside the process by one lock, so 50 concurrent clients never see "database is locked".
PostgreSQL is used when the URL says so (``postgresql+psycopg://…``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from leapplan.errors import ServiceError

log = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///leapplan.db"
BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """A SQLAlchemy URL; a bare file path means a SQLite file, ``postgresql://`` means psycopg 3."""
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see _begin)
    cur = dbapi_connection.cursor()
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str, *, writer: bool = False) -> Engine:
    """An engine for ``url``; for SQLite a ``writer`` engine opens transactions with BEGIN IMMEDIATE."""
    url = normalise_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ServiceError(f"not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:" and not db.startswith("file:"):
            folder = Path(db).expanduser().resolve().parent
            if not folder.is_dir():
                raise ServiceError(f"folder {folder} of the SQLite database does not exist")
        engine = create_engine(
            parsed,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
            pool_size=1 if writer else 50,
            max_overflow=0 if writer else 20,
            pool_timeout=60,
        )
        event.listen(engine, "connect", _sqlite_pragmas)

        if writer:  # readers run each SELECT in autocommit (WAL gives it a consistent snapshot)

            def _begin(conn: Any) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

            event.listen(engine, "begin", _begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(
            parsed, pool_size=5 if writer else 50, max_overflow=5 if writer else 20, pool_pre_ping=True
        )
    raise ServiceError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite:///FILE or postgresql+psycopg://…"
    )


def _alembic_config() -> Config:
    base = resources.files("leapplan.service")
    cfg = Config(str(base / "alembic.ini"))
    cfg.set_main_option("script_location", str(base / "migrations"))
    return cfg


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, None when it was never migrated."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Run the migrations up to ``revision`` on ``engine``; returns the revision reached."""
    cfg = _alembic_config()
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    except OperationalError as exc:
        raise ServiceError(f"cannot migrate the database: {exc.orig}") from None
    reached = current_revision(engine)
    log.info("database at revision %s", reached)
    return reached or ""


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (tests use it to check the downgrade path)."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def table_names(engine: Engine) -> list[str]:
    """Names of the tables present in the database."""
    return sorted(inspect(engine).get_table_names())


class Store:
    """The database of one service: a reader engine, a writer engine and the process-wide write lock."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.reader = make_engine(self.url)
        self.writer = make_engine(self.url, writer=True)
        self.backend = self.reader.dialect.name
        self._read = sessionmaker(self.reader, expire_on_commit=False)
        self._write = sessionmaker(self.writer, expire_on_commit=False)
        self.lock = threading.Lock()

    def migrate(self) -> str:
        """Bring the schema to the newest revision."""
        with self.lock:
            return upgrade(self.writer)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; closing it ends the transaction (loaded objects stay usable)."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session for one all-or-nothing write: committed when the block ends, rolled back on an exception."""
        with self.lock, self._write() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.reader.dispose()
        self.writer.dispose()
