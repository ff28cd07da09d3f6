"""Indexes for big books: every filter and sort of a listing, report and search has one.

- ``meetings (owner_id, starts_at, id)`` carries, on PostgreSQL, the columns the revenue
  report sums (``INCLUDE``), so a report reads the index alone;
- ``meetings (client_id, starts_at, id)`` replaces ``meetings (client_id)``: one
  client's meetings come in order (and ON DELETE SET NULL still finds them);
- on PostgreSQL, trigram indexes (``pg_trgm``) on the clients' folded name and company,
  for the substring search. ``pg_trgm`` ships with PostgreSQL and is a trusted
  extension: the database's owner may create it.

See ADR 0023.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPORTED = ["client_id", "revenue_cents", "duration_minutes"]
SEARCHED = ("name_key", "company_key")


def _on_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.drop_index("ix_meetings_owner_id_starts_at_id", table_name="meetings")
    op.create_index(
        "ix_meetings_owner_id_starts_at_id",
        "meetings",
        ["owner_id", "starts_at", "id"],
        postgresql_include=REPORTED,
    )
    op.drop_index("ix_meetings_client_id", table_name="meetings")
    op.create_index(
        "ix_meetings_client_id_starts_at_id", "meetings", ["client_id", "starts_at", "id"]
    )
    if _on_postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in SEARCHED:
            op.create_index(
                f"ix_clients_{column}_trgm",
                "clients",
                [column],
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
            )


def downgrade() -> None:
    if _on_postgresql():
        for column in SEARCHED:
            op.drop_index(f"ix_clients_{column}_trgm", table_name="clients")
        # The extension stays: other schemas of the database may use it.
    op.drop_index("ix_meetings_client_id_starts_at_id", table_name="meetings")
    op.create_index("ix_meetings_client_id", "meetings", ["client_id"])
    op.drop_index("ix_meetings_owner_id_starts_at_id", table_name="meetings")
    op.create_index(
        "ix_meetings_owner_id_starts_at_id", "meetings", ["owner_id", "starts_at", "id"]
    )
