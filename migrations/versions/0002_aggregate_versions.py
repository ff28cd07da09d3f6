"""Aggregate versions: the compare-and-set guard of users, clients and meetings.

Every stored change advances ``version``; an update names the version it read and
changes nothing when another writer came first (see docs/architecture.md,
"Consistency"). Existing rows start at 1, like new ones.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VERSIONED_TABLES = ("users", "clients", "meetings")


def upgrade() -> None:
    for table in VERSIONED_TABLES:
        # batch mode: SQLite cannot add a NOT NULL column with ALTER TABLE otherwise
        # in every case, and batch mode is a plain ALTER on PostgreSQL.
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("version", sa.Integer(), server_default="1", nullable=False)
            )


def downgrade() -> None:
    for table in VERSIONED_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
