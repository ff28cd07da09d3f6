"""The flat baseline: the benchmarked endpoints written the short way.

One file, one FastAPI app, SQLAlchemy asyncio Core + asyncpg on the same tables as
Clientbook, answering the same JSON. No layers, no container, no domain objects, no
repository, no unit of work, and **no authentication**: every route serves the owner
named by ``BENCH_OWNER_ID``. One engine with the pool a plain app gets from
``create_async_engine(url, pool_size=10, max_overflow=0)``: ten connections, no overflow.
It issues the same queries Clientbook's adapters issue (one joined query for a client,
a page with its total counted to a bound past the page, one query for a page's contacts,
a ``GROUP BY`` for the report), so the ratio between the two measures the layers, not a
different query plan. Rows become dicts and ``orjson`` renders them.

It also serves the **ceiling**: ``/ceiling/{name}`` answers a constant document (one of
Clientbook's own responses, saved by ``bench/run.py`` in ``BENCH_CEILING_DIR``) with no
database at all, rendered by the same ``orjson`` call: what FastAPI and uvicorn alone
cost for a body of that size.

Run: ``BENCH_DATABASE_URL=postgresql://... BENCH_OWNER_ID=<uuid> uvicorn
bench.baseline_app:create_app --factory``. It imports nothing from the project.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import orjson
from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from uuid_utils import compat as uuid_compat

CLIENT = text(
    "SELECT c.id, c.name, c.company, c.notes, c.created_at, c.updated_at, "
    "k.id AS contact_id, k.kind, k.value, k.label, k.created_at AS contact_created_at "
    "FROM clients c LEFT OUTER JOIN contacts k ON k.client_id = c.id "
    "WHERE c.id = :client_id AND c.owner_id = :owner ORDER BY k.position"
)
# Totals counted to a bound past the page, in the page's own statement and in the page's
# order, as Clientbook counts them (ADR 0023): at most COUNT_AHEAD matches beyond it.
COUNT_AHEAD = 1_000
CLIENT_PAGE = text(
    "SELECT c.id, c.name, c.company, c.notes, c.created_at, c.updated_at, "
    "(SELECT count(*) FROM (SELECT id FROM clients WHERE owner_id = :owner "
    "ORDER BY name_key, id LIMIT :cap) m)"
    " AS total FROM clients c "
    "WHERE c.owner_id = :owner ORDER BY c.name_key, c.id LIMIT :limit OFFSET :offset"
)
CONTACTS_OF = text(
    "SELECT id, client_id, kind, value, label, created_at FROM contacts "
    "WHERE client_id = ANY(:ids) ORDER BY client_id, position"
)
MEETING_PAGE = text(
    "SELECT id, client_id, starts_at, duration_minutes, revenue_cents, notes, created_at, "
    "updated_at, "
    "(SELECT count(*) FROM (SELECT id FROM meetings WHERE owner_id = :owner "
    "ORDER BY starts_at DESC, id DESC LIMIT :cap) m)"
    " AS total FROM meetings "
    "WHERE owner_id = :owner ORDER BY starts_at DESC, id DESC LIMIT :limit OFFSET :offset"
)
CLIENT_EXISTS = text("SELECT 1 FROM clients WHERE id = :client_id AND owner_id = :owner")
INSERT_MEETING = text(
    "INSERT INTO meetings (id, owner_id, client_id, starts_at, duration_minutes, "
    "revenue_cents, notes, created_at, updated_at) VALUES (:id, :owner, :client_id, "
    ":starts_at, :duration_minutes, :revenue_cents, :notes, :created_at, :updated_at)"
)
REVENUE_BY_MONTH = text(
    "SELECT to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, "
    "coalesce(sum(revenue_cents), 0) AS cents, coalesce(sum(duration_minutes), 0) AS minutes, "
    "count(*) AS meetings FROM meetings "
    "WHERE owner_id = :owner AND starts_at >= :start AND starts_at < :end GROUP BY month"
)
USER = text(
    "SELECT id, email, full_name, is_admin, time_zone, created_at FROM users WHERE id = :owner"
)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def uid(value: Any) -> str | None:
    # asyncpg's own UUID type is not one orjson knows: render it as text.
    return None if value is None else str(value)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def render(payload: Any, status: int = 200) -> Response:
    # OPT_UTC_Z: UTC instants end in "Z", as pydantic renders them in Clientbook.
    body = orjson.dumps(payload, option=orjson.OPT_UTC_Z)
    return Response(body, status_code=status, media_type="application/json")


def client_json(row: Any, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": uid(row.id),
        "name": row.name,
        "company": row.company,
        "notes": row.notes,
        "contacts": contacts,
        "created_at": utc(row.created_at),
        "updated_at": utc(row.updated_at),
    }


def contact_json(row: Any) -> dict[str, Any]:
    return {
        "id": uid(row.id),
        "kind": row.kind,
        "value": row.value,
        "label": row.label,
        "created_at": utc(row.created_at),
    }


def meeting_json(row: Any) -> dict[str, Any]:
    return {
        "id": uid(row.id),
        "client_id": uid(row.client_id),
        "starts_at": utc(row.starts_at),
        "duration_minutes": row.duration_minutes,
        "revenue": money(row.revenue_cents),
        "notes": row.notes,
        "created_at": utc(row.created_at),
        "updated_at": utc(row.updated_at),
    }


def page_json(
    items: list[dict[str, Any]], counted: int, limit: int, offset: int, cap: int
) -> dict[str, Any]:
    return {
        "items": items,
        "total": counted,
        "limit": limit,
        "offset": offset,
        "total_exact": counted < cap,
    }


class MeetingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: UUID | None = None
    starts_at: AwareDatetime
    duration_minutes: int = Field(ge=1, le=1440)
    revenue: str = "0"
    notes: str | None = Field(default=None, max_length=5000)


def create_app() -> FastAPI:
    url = os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1)
    owner = UUID(os.environ["BENCH_OWNER_ID"])
    ceiling: dict[str, Any] = {}
    ceiling_dir = os.environ.get("BENCH_CEILING_DIR")
    if ceiling_dir:
        for path in Path(ceiling_dir).glob("*.clientbook.json"):
            ceiling[path.name.split(".", 1)[0]] = orjson.loads(path.read_bytes())
    engine: AsyncEngine | None = None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        nonlocal engine
        # What a plain FastAPI app has: a fixed pool of 10 (no overflow), SQLAlchemy's
        # default wait of 30 s; BENCH_POOL_SIZE / BENCH_MAX_OVERFLOW for experiments.
        engine = create_async_engine(
            url,
            pool_size=int(os.environ.get("BENCH_POOL_SIZE", "10")),
            max_overflow=int(os.environ.get("BENCH_MAX_OVERFLOW", "0")),
        )
        try:
            yield
        finally:
            await engine.dispose()

    def db() -> AsyncEngine:
        assert engine is not None
        return engine

    app = FastAPI(title="Clientbook flat baseline", lifespan=lifespan)

    @app.get("/health")
    async def health() -> Response:
        return render({"status": "ok"})

    @app.api_route("/ceiling/{name}", methods=["GET", "POST"])
    async def ceiling_route(name: str) -> Response:
        if name not in ceiling:
            raise HTTPException(404)
        return render(ceiling[name])

    @app.get("/api/v1/clients/{client_id}")
    async def get_client(client_id: UUID) -> Response:
        async with db().connect() as conn:
            rows = (await conn.execute(CLIENT, {"client_id": client_id, "owner": owner})).all()
        if not rows:
            raise HTTPException(404)
        contacts = [
            {
                "id": uid(r.contact_id),
                "kind": r.kind,
                "value": r.value,
                "label": r.label,
                "created_at": utc(r.contact_created_at),
            }
            for r in rows
            if r.contact_id is not None
        ]
        return render(client_json(rows[0], contacts))

    @app.get("/api/v1/clients")
    async def list_clients(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        cap = offset + limit + COUNT_AHEAD
        params = {"owner": owner, "limit": limit, "offset": offset, "cap": cap}
        async with db().connect() as conn:
            rows = (await conn.execute(CLIENT_PAGE, params)).all()
            by_client: dict[UUID, list[dict[str, Any]]] = {r.id: [] for r in rows}
            if rows:
                found = await conn.execute(CONTACTS_OF, {"ids": list(by_client)})
                for contact in found:
                    by_client[contact.client_id].append(contact_json(contact))
        items = [client_json(r, by_client[r.id]) for r in rows]
        return render(page_json(items, rows[0].total if rows else 0, limit, offset, cap))

    @app.get("/api/v1/meetings")
    async def list_meetings(
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> Response:
        cap = offset + limit + COUNT_AHEAD
        params = {"owner": owner, "limit": limit, "offset": offset, "cap": cap}
        async with db().connect() as conn:
            rows = (await conn.execute(MEETING_PAGE, params)).all()
        items = [meeting_json(r) for r in rows]
        return render(page_json(items, rows[0].total if rows else 0, limit, offset, cap))

    @app.post("/api/v1/meetings", status_code=201)
    async def add_meeting(body: MeetingIn) -> Response:
        now = datetime.now(UTC)
        cents = int(Decimal(body.revenue).scaleb(2).to_integral_value())
        row = {
            "id": uuid_compat.uuid7(),
            "client_id": body.client_id,
            "starts_at": utc(body.starts_at),
            "duration_minutes": body.duration_minutes,
            "revenue_cents": cents,
            "notes": body.notes,
            "created_at": now,
            "updated_at": now,
            "owner": owner,
        }
        async with db().begin() as conn:
            if body.client_id is not None:
                found = await conn.execute(
                    CLIENT_EXISTS, {"client_id": body.client_id, "owner": owner}
                )
                if found.first() is None:
                    raise HTTPException(404)
            await conn.execute(INSERT_MEETING, row)
        return render(
            {
                "id": row["id"],
                "client_id": body.client_id,
                "starts_at": row["starts_at"],
                "duration_minutes": body.duration_minutes,
                "revenue": money(cents),
                "notes": body.notes,
                "created_at": now,
                "updated_at": now,
            },
            status=201,
        )

    @app.get("/api/v1/reports/revenue")
    async def revenue(
        from_: Annotated[AwareDatetime, Query(alias="from")],
        to: AwareDatetime,
        group_by: str | None = None,
    ) -> Response:
        params = {"owner": owner, "start": from_, "end": to}
        async with db().connect() as conn:
            rows = (await conn.execute(REVENUE_BY_MONTH, params)).all()
        groups = [
            {
                "key": r.month,
                "label": r.month,
                "revenue": money(int(r.cents)),
                "minutes": int(r.minutes),
                "meetings": int(r.meetings),
            }
            for r in sorted(rows, key=lambda r: r.month)
        ]
        total = {
            "revenue": money(sum(int(r.cents) for r in rows)),
            "minutes": sum(int(r.minutes) for r in rows),
            "meetings": sum(int(r.meetings) for r in rows),
        }
        return render({"from": utc(from_), "to": utc(to), "total": total, "groups": groups})

    @app.get("/api/v1/users/me")
    async def me() -> Response:
        async with db().connect() as conn:
            row = (await conn.execute(USER, {"owner": owner})).first()
        if row is None:
            raise HTTPException(404)
        return render(
            {
                "id": uid(row.id),
                "email": row.email,
                "full_name": row.full_name,
                "is_admin": row.is_admin,
                "time_zone": row.time_zone,
                "created_at": utc(row.created_at),
            }
        )

    return app
