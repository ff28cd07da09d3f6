"""Every table of the schema on one ``MetaData``: what Alembic compares and migrates."""

from __future__ import annotations

from adapters.sqlalchemy.clients import clients, contacts
from adapters.sqlalchemy.errors import register_unique_constraints
from adapters.sqlalchemy.meetings import meetings
from adapters.sqlalchemy.refresh_sessions import refresh_sessions
from adapters.sqlalchemy.schema import metadata
from adapters.sqlalchemy.users import users

__all__ = ["clients", "contacts", "meetings", "metadata", "refresh_sessions", "users"]

register_unique_constraints(metadata)
