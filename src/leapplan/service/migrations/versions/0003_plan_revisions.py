"""Plan revisions (issue 14): re-planned versions of the plan and what reports say is still in service.

* plan_versions gain ``revises`` (the version a re-plan revises), ``period`` (the last period that had happened),
  ``basis`` (audited | reported), ``created_by``, ``changes`` (the account of what changed, JSON) and ``tables``
  (the plan's tables as the plan writer writes them, {file name: text}, so that a version can be re-planned again
  after a restart). Rows from before this revision keep NULL: they were the plan the service solved or loaded.
* report_versions gain ``in_service``: an enterprise's capacity still standing at the end of the period
  [product units per year], NULL when the report does not say.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PLAN_COLUMNS = ("revises", "period", "basis", "created_by", "changes", "tables")


def upgrade() -> None:
    """Upgrade schema (plain ADD COLUMN: every new column is nullable)."""
    op.add_column("plan_versions", sa.Column("revises", sa.Integer(), nullable=True))
    op.add_column("plan_versions", sa.Column("period", sa.String(length=16), nullable=True))
    op.add_column("plan_versions", sa.Column("basis", sa.String(length=16), nullable=True))
    op.add_column("plan_versions", sa.Column("created_by", sa.String(length=100), nullable=True))
    op.add_column("plan_versions", sa.Column("changes", sa.JSON(), nullable=True))
    op.add_column("plan_versions", sa.Column("tables", sa.JSON(), nullable=True))
    op.add_column("report_versions", sa.Column("in_service", sa.Float(), nullable=True))


def downgrade() -> None:
    """Downgrade schema (re-planned versions stay as rows; their revision columns go)."""
    op.drop_column("report_versions", "in_service")
    for column in reversed(PLAN_COLUMNS):
        op.drop_column("plan_versions", column)
