"""`leapplan db …` and `leapplan serve`: good runs, and bad input → one clear line, exit 2."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select, update

from leapplan.cli import main
from leapplan.service.db import Store
from leapplan.service.models import User

TINY = str(Path(__file__).parent.parent / "data" / "tiny.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_upgrade_user_add_backup_restore(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "a.db")
    code, text = run(capsys, "db", "upgrade", "--db", db)
    assert code == 0 and "revision 0003" in text
    monkeypatch.setattr("sys.stdin", io.StringIO("s3cret-pass\n"))
    code, text = run(
        capsys,
        "db",
        "user-add",
        "wang",
        "--role",
        "county_liaison",
        "--unit",
        "north",
        "--password-stdin",
        "--db",
        db,
        "--scenario",
        TINY,
    )
    assert code == 0 and "user wang (county_liaison, north) added" in text
    store = Store(db)
    try:
        with store.read() as s:
            assert [(u.username, u.role, u.unit) for u in s.scalars(select(User))] == [
                ("wang", "county_liaison", "north")
            ]
    finally:
        store.dispose()
    dump = tmp_path / "dump.json"
    assert run(capsys, "db", "backup", str(dump), "--db", db)[0] == 0
    code, text = run(capsys, "db", "backup", str(dump), "--db", db)
    assert code == 2 and "exists: choose another name or pass --force" in text
    assert run(capsys, "db", "backup", str(dump), "--db", db, "--force")[0] == 0
    code, text = run(capsys, "db", "restore", str(dump), "--db", str(tmp_path / "b.db"))
    assert code == 0 and "restored" in text
    # the reproduction: one audit-log timestamp changed to "x"; restore --replace refuses, exit 2,
    # and the database keeps every row
    payload = json.loads(dump.read_text())
    log = payload["tables"]["audit_log"]
    log["rows"][0][log["columns"].index("at")] = "x"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(payload))
    code, text = run(capsys, "db", "restore", str(bad), "--db", db, "--replace")
    assert code == 2 and "checksum does not match" in text
    store = Store(db)
    try:
        with store.read() as s:
            assert [u.username for u in s.scalars(select(User))] == ["wang"]
        with store.write() as s:
            s.execute(update(User).values(locked=True, failed_logins=10))
    finally:
        store.dispose()
    assert run(capsys, "db", "user-unlock", "wang", "--db", db)[0] == 0
    store = Store(db)
    try:
        with store.read() as s:
            assert [(u.locked, u.failed_logins) for u in s.scalars(select(User))] == [(False, 0)]
    finally:
        store.dispose()
    assert run(capsys, "db", "user-remove", "wang", "--db", db)[0] == 0
    code, text = run(capsys, "db", "user-remove", "wang", "--db", db)
    assert code == 2 and "no user 'wang'" in text


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["db", "user-add", "x", "--role", "boss", "--password", "abcdefg"], "not one of planner"),
        (
            ["db", "user-add", "x", "--role", "county_liaison", "--unit", "city", "--password", "abcdefg"],
            "needs a county, but 'city' is a city",
        ),
        (
            ["db", "user-add", "x", "--role", "county_liaison", "--unit", "atlantis", "--password", "abcdefg"],
            "unknown unit 'atlantis'",
        ),
        (["db", "user-add", "x", "--role", "planner"], "exactly one of --password and --password-stdin"),
        (["db", "user-add", "x", "--role", "planner", "--password", "abc"], "password too short"),
        (["db", "user-add", "no spaces", "--role", "planner", "--password", "abcdefg"], "bad username"),
        (["db", "restore", "README.md"], "is not a leapplan service backup"),
        (["db", "restore", "nowhere.json"], "no such backup file"),
        (["db", "backup", "/no/such/folder/x.json"], "does not exist"),
        (["serve", "--port", "0"], "--port"),
        (["serve", "--plan", "/no/such/plan"], "no such folder"),
        (["db", "upgrade", "--db", "mysql://x@y/z"], "unsupported database"),
    ],
)
def test_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent.parent)  # README.md is a file that is not a backup
    db = ["--db", str(tmp_path / "c.db")] if "--db" not in argv and argv[0] == "db" else []
    scen = ["--scenario", TINY] if "user-add" in argv else []
    code, text = run(capsys, *argv, *db, *scen)
    assert code == 2, text
    flat = " ".join(text.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())
    assert words in flat
    assert "Traceback" not in text
