"""A database error never quotes the parameters of its statement (they hold hashes)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapters.sqlalchemy.engine import DatabaseConfig, build_engine

SECRET = "$2b$04$not.a.real.hash.but.secret.enough"


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def test_database_errors_do_not_carry_parameters(
    kind: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("sqlite_url" if kind == "sqlite" else "postgres_url")
    engine = build_engine(DatabaseConfig(url=url))
    try:
        async with engine.connect() as conn:
            with pytest.raises(DBAPIError) as failure:
                await conn.execute(
                    text("INSERT INTO users (id, email) VALUES (:id, :email)"),
                    {"id": "not-a-uuid", "email": SECRET},
                )
    finally:
        await engine.dispose()
    assert SECRET not in str(failure.value)
    assert "hidden due to hide_parameters" in str(failure.value)
