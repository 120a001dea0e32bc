"""Hash-chained audit log, one report per unit/period/product, versioned deliveries, login throttling, settings.

* audit_log gains prev_hash and hash; existing entries are chained in id order.
* reports: one report per (unit, period, product). Where a database holds several (the old rule added them
  up), the earliest becomes their sum as a new version and the others get status 'merged'; a partial unique
  index then holds the rule.
* deliveries gain origin_id, version, current and reason (corrections are new versions).
* users gain failed_logins, last_failed_at and locked.
* settings: key → JSON value (the current period).
* plan_versions gain targets and support (JSON records of the plan's tables of those names).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from leapplan.service.chain import GENESIS, entry_hash

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MERGED = "merged"


def _append_only(on: bool) -> None:
    """Switch the audit log's append-only triggers off (to fill the new columns) and on again."""
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            if on:
                op.execute(
                    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
                )
            else:
                op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb.lower()}")
    elif dialect == "postgresql":
        op.execute(f"ALTER TABLE audit_log {'ENABLE' if on else 'DISABLE'} TRIGGER audit_log_append_only")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _merge_duplicate_reports(conn: sa.Connection) -> list[dict]:
    """Fold reports sharing (unit, period, product) into the earliest; returns audit-log entries to append."""
    rows = conn.execute(
        sa.text(
            "SELECT r.id, r.unit, r.period, r.product, r.status, r.latest_version, v.produced, v.inputs, v.labour "
            "FROM reports r JOIN report_versions v ON v.report_id = r.id AND v.version = r.latest_version "
            "ORDER BY r.id"
        )
    ).all()
    groups: dict[tuple[str, str, str], list] = defaultdict(list)
    for r in rows:
        groups[(r.unit, r.period, r.product)].append(r)
    entries = []
    for (unit, period, product), members in groups.items():
        if len(members) < 2:
            continue
        keep, rest = members[0], members[1:]
        counted = [m for m in members if m.status != "returned"] or [keep]
        inputs: dict[str, float] = defaultdict(float)
        for m in counted:
            raw = m.inputs if isinstance(m.inputs, dict) else json.loads(m.inputs or "{}")
            for k, v in raw.items():
                inputs[k] += float(v)
        produced = sum(float(m.produced) for m in counted)
        labour = sum(float(m.labour) for m in counted)
        ids = ", ".join(str(m.id) for m in counted)
        remark = f"sum of reports {ids} (one report per unit, period and product since migration 0002)"
        body = {
            "unit": unit,
            "period": period,
            "product": product,
            "produced": produced,
            "inputs": dict(sorted(inputs.items())),
            "labour": labour,
            "remark": remark,
        }
        digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        t = _now()
        version = keep.latest_version + 1
        conn.execute(
            sa.text(
                "INSERT INTO report_versions (report_id, version, client_id, digest, produced, inputs, labour, "
                "remark, submitted_by, submitted_at) VALUES (:rid, :ver, NULL, :dig, :p, :inp, :l, :rem, "
                "'migration', :t)"
            ).bindparams(sa.bindparam("inp", type_=sa.JSON), sa.bindparam("t", type_=sa.DateTime(timezone=True))),
            {
                "rid": keep.id,
                "ver": version,
                "dig": digest,
                "p": produced,
                "inp": dict(inputs),
                "l": labour,
                "rem": remark,
                "t": t,
            },
        )
        conn.execute(
            sa.text(
                "UPDATE reports SET latest_version = :ver, status = 'submitted', return_reason = NULL WHERE id = :rid"
            ),
            {"ver": version, "rid": keep.id},
        )
        for m in rest:
            conn.execute(
                sa.text(f"UPDATE reports SET status = '{MERGED}', return_reason = :why WHERE id = :rid"),
                {"why": f"merged into report {keep.id}", "rid": m.id},
            )
        entries.append(
            {
                "at": t,
                "actor": "migration",
                "action": "report_merge",
                "target": f"report {keep.id}",
                "before": {"reports": [m.id for m in members]},
                "after": body | {"version": version},
            }
        )
    return entries


def upgrade() -> None:
    """Upgrade schema."""
    conn = op.get_bind()
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    # plain ALTER TABLE ADD/DROP COLUMN (SQLite ≥ 3.35): a batch copy would drop tables other rows refer to
    op.add_column("users", sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
    op.add_column("users", sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("users", sa.Column("locked", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("deliveries", sa.Column("origin_id", sa.Integer(), nullable=True))
    op.add_column("deliveries", sa.Column("version", sa.Integer(), server_default="1", nullable=False))
    op.add_column("deliveries", sa.Column("current", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column("deliveries", sa.Column("reason", sa.Text(), nullable=True))
    conn.execute(sa.text("UPDATE deliveries SET origin_id = id"))
    op.add_column("plan_versions", sa.Column("targets", sa.JSON(), nullable=True))
    op.add_column("plan_versions", sa.Column("support", sa.JSON(), nullable=True))

    merge_entries = _merge_duplicate_reports(conn)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_key")
        batch_op.create_index(
            "ux_reports_key",
            ["unit", "period", "product"],
            unique=True,
            sqlite_where=sa.text(f"status <> '{MERGED}'"),
            postgresql_where=sa.text(f"status <> '{MERGED}'"),
        )

    _append_only(False)
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("hash", sa.String(length=64), nullable=True))
    prev = GENESIS
    for old in conn.execute(sa.text("SELECT id, at, actor, action, target, before, after FROM audit_log ORDER BY id")):
        before = json.loads(old.before) if isinstance(old.before, str) else old.before
        after = json.loads(old.after) if isinstance(old.after, str) else old.after
        h = entry_hash(prev, old.at, old.actor, old.action, old.target, before, after)
        conn.execute(
            sa.text("UPDATE audit_log SET prev_hash = :p, hash = :h WHERE id = :i"), {"p": prev, "h": h, "i": old.id}
        )
        prev = h
    _append_only(True)
    for e in merge_entries:
        h = entry_hash(prev, e["at"], e["actor"], e["action"], e["target"], e["before"], e["after"])
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (at, actor, action, target, before, after, prev_hash, hash) "
                "VALUES (:at, :actor, :action, :target, :before, :after, :p, :h)"
            ).bindparams(
                sa.bindparam("before", type_=sa.JSON),
                sa.bindparam("after", type_=sa.JSON),
                sa.bindparam("at", type_=sa.DateTime(timezone=True)),
            ),
            e | {"p": prev, "h": h},
        )
        prev = h


def downgrade() -> None:
    """Downgrade schema (merged reports stay merged; their rows are kept)."""
    _append_only(False)
    op.drop_column("audit_log", "hash")
    op.drop_column("audit_log", "prev_hash")
    _append_only(True)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ux_reports_key")
        batch_op.create_index("ix_reports_key", ["unit", "period", "product"], unique=False)
    for column in ("support", "targets"):
        op.drop_column("plan_versions", column)
    for column in ("reason", "current", "version", "origin_id"):
        op.drop_column("deliveries", column)
    for column in ("locked", "last_failed_at", "failed_logins"):
        op.drop_column("users", column)
    op.drop_table("settings")
