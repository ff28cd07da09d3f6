"""Every invariant holds when requests race, against a real server on PostgreSQL.

Each race runs ROUNDS times and checks its invariant every round (SQLite serialises
writers and would hide all of this). Whatever the interleaving: never a 5xx, never an
error in the server's log.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from reliability_support import Launch, Server

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]

ROUNDS = 20
PASSWORD = "correct horse battery"
TIMEOUT = httpx.Timeout(60.0)
CONTACT_LIMIT = 50
# The thief's loop ends once refused; more than this many rotations means it never was.
MAX_ROTATIONS = 500


class Api:
    """An HTTP client that remembers every status it saw, to prove no 5xx happened."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.statuses: Counter[int] = Counter()

    async def call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.request(method, f"/api/v1{url}", **kwargs)
        self.statuses[response.status_code] += 1
        assert response.status_code < 500, (method, url, response.status_code, response.text)
        return response

    async def account(self, email: str, password: str = PASSWORD) -> dict[str, str]:
        registered = await self.call(
            "POST", "/auth/register", json={"email": email, "password": password}
        )
        assert registered.status_code == 201, registered.text
        return await self.login(email, password)

    async def login(self, email: str, password: str) -> dict[str, str]:
        answer = await self.call("POST", "/auth/login", json={"email": email, "password": password})
        assert answer.status_code == 200, answer.text
        tokens: dict[str, str] = answer.json()
        return tokens

    async def refresh(self, token: str) -> httpx.Response:
        return await self.call("POST", "/auth/refresh", json={"refresh_token": token})


def bearer(tokens: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


@contextmanager
def race_server(launch: Launch) -> Iterator[Server]:
    with launch({"CLIENTBOOK_DB_POOL_SIZE": "20"}) as server:
        yield server
        errors = [e for e in server.log_entries() if e.get("level") == "ERROR"]
        assert not errors, errors


def run(server: Server, scenario: Callable[[Api], Awaitable[None]]) -> Counter[int]:
    async def main() -> Counter[int]:
        limits = httpx.Limits(max_connections=80, keepalive_expiry=1.0)
        async with httpx.AsyncClient(
            base_url=server.base_url, timeout=TIMEOUT, limits=limits
        ) as client:
            api = Api(client)
            await scenario(api)
            return api.statuses

    return asyncio.run(main())


async def steal_and_keep_refreshing(api: Api, token: str, stop: asyncio.Event) -> str:
    """Rotate ``token`` until refused (or told to stop); the last token held."""
    held = token
    for _ in range(MAX_ROTATIONS):
        answer = await api.refresh(held)
        if answer.status_code != 200:
            assert answer.status_code == 401, answer.text
            return held
        held = answer.json()["refresh_token"]
        if stop.is_set():
            return held
    raise AssertionError("the thief was never refused")


def test_a_thief_refreshing_in_a_loop_loses_the_session_when_the_victim_reuses(
    launch: Launch,
) -> None:
    async def scenario(api: Api) -> None:
        await api.account("victim@example.com")
        for _ in range(ROUNDS):
            stolen = (await api.login("victim@example.com", PASSWORD))["refresh_token"]
            # The thief uses the stolen token first, then keeps rotating.
            first = await api.refresh(stolen)
            assert first.status_code == 200
            never = asyncio.Event()
            thief = asyncio.create_task(
                steal_and_keep_refreshing(api, first.json()["refresh_token"], never)
            )
            await asyncio.sleep(random.uniform(0, 0.03))
            # The victim presents the token the thief already used: reuse, the family dies.
            assert (await api.refresh(stolen)).status_code == 401
            held = await asyncio.wait_for(thief, timeout=30)
            assert (await api.refresh(held)).status_code == 401

    run_in_server(launch, scenario)


def test_a_thief_refreshing_in_a_loop_loses_the_session_when_the_password_changes(
    launch: Launch,
) -> None:
    async def scenario(api: Api) -> None:
        email = "owner@example.com"
        password = PASSWORD
        await api.account(email, password)
        for round_ in range(ROUNDS):
            stolen = (await api.login(email, password))["refresh_token"]
            own = await api.login(email, password)
            stop = asyncio.Event()
            thief = asyncio.create_task(steal_and_keep_refreshing(api, stolen, stop))
            await asyncio.sleep(random.uniform(0, 0.03))
            new_password = f"{PASSWORD} {round_}"
            changed = await api.call(
                "PATCH",
                "/users/me",
                headers=bearer(own),
                json={"password": new_password, "current_password": password},
            )
            assert changed.status_code == 200, changed.text
            password = new_password
            stop.set()
            held = await asyncio.wait_for(thief, timeout=30)
            # Whatever the thief held when the change was answered is dead now.
            assert (await api.refresh(held)).status_code == 401

    run_in_server(launch, scenario)


def test_parallel_contact_adds_store_exactly_the_limit(launch: Launch) -> None:
    async def scenario(api: Api) -> None:
        headers = bearer(await api.account("busy@example.com"))
        for round_ in range(ROUNDS):
            made = await api.call(
                "POST", "/clients", headers=headers, json={"name": f"Client {round_}"}
            )
            url = f"/clients/{made.json()['id']}"
            answers = await asyncio.gather(
                *(
                    api.call(
                        "POST",
                        f"{url}/contacts",
                        headers=headers,
                        json={"kind": "phone", "value": f"+1 555 010 {i:04d}"},
                    )
                    for i in range(CONTACT_LIMIT + 10)
                )
            )
            statuses = Counter(a.status_code for a in answers)
            assert set(statuses) <= {201, 409, 422}, statuses
            stored = (await api.call("GET", url, headers=headers)).json()["contacts"]
            assert len(stored) == CONTACT_LIMIT, statuses
            assert statuses[201] == CONTACT_LIMIT, statuses

    run_in_server(launch, scenario)


def test_of_parallel_password_changes_exactly_one_wins_and_holds(launch: Launch) -> None:
    async def scenario(api: Api) -> None:
        email = "changer@example.com"
        current = PASSWORD
        tokens = await api.account(email, current)
        for round_ in range(ROUNDS):
            candidates = [f"round {round_} password {i}" for i in range(10)]
            answers = await asyncio.gather(
                *(
                    api.call(
                        "PATCH",
                        "/users/me",
                        headers=bearer(tokens),
                        json={"password": candidate, "current_password": current},
                    )
                    for candidate in candidates
                )
            )
            statuses = Counter(a.status_code for a in answers)
            assert statuses[200] == 1, statuses
            assert set(statuses) <= {200, 403, 409}, statuses
            winner = candidates[[a.status_code for a in answers].index(200)]
            # The stored hash is the winner's: it logs in, nobody else's does.
            tokens = await api.login(email, winner)
            for loser in [*random.sample([c for c in candidates if c != winner], 2), current]:
                refused = await api.call(
                    "POST", "/auth/login", json={"email": email, "password": loser}
                )
                assert refused.status_code == 401
            current = winner

    run_in_server(launch, scenario)


def test_parallel_patches_with_one_if_match_give_one_winner(launch: Launch) -> None:
    async def scenario(api: Api) -> None:
        headers = bearer(await api.account("editor@example.com"))
        for round_ in range(ROUNDS):
            made = await api.call(
                "POST", "/clients", headers=headers, json={"name": f"Shared {round_}"}
            )
            url = f"/clients/{made.json()['id']}"
            tag = (await api.call("GET", url, headers=headers)).headers["etag"]
            answers = await asyncio.gather(
                *(
                    api.call(
                        "PATCH",
                        url,
                        headers={**headers, "If-Match": tag},
                        json={"notes": f"editor {i}"},
                    )
                    for i in range(10)
                )
            )
            statuses = Counter(a.status_code for a in answers)
            assert statuses == {200: 1, 412: 9}, statuses
            winner = next(a for a in answers if a.status_code == 200)
            stored = await api.call("GET", url, headers=headers)
            assert stored.json()["notes"] == winner.json()["notes"]
            assert stored.headers["etag"] == winner.headers["etag"] != tag

    run_in_server(launch, scenario)


def test_a_client_deleted_while_meetings_are_scheduled_leaves_no_orphan(launch: Launch) -> None:
    async def scenario(api: Api) -> None:
        headers = bearer(await api.account("planner@example.com"))
        for round_ in range(ROUNDS):
            made = await api.call(
                "POST", "/clients", headers=headers, json={"name": f"Doomed {round_}"}
            )
            client_id = made.json()["id"]

            async def schedule(i: int, client_id: str) -> httpx.Response:
                await asyncio.sleep(random.uniform(0, 0.02))
                return await api.call(
                    "POST",
                    "/meetings",
                    headers=headers,
                    json={
                        "client_id": client_id,
                        "starts_at": f"2026-01-{1 + i:02d}T09:00:00Z",
                        "duration_minutes": 30,
                    },
                )

            async def delete(client_id: str) -> httpx.Response:
                await asyncio.sleep(random.uniform(0, 0.02))
                return await api.call("DELETE", f"/clients/{client_id}", headers=headers)

            *scheduled, deleted = await asyncio.gather(
                *(schedule(i, client_id) for i in range(10)), delete(client_id)
            )
            assert deleted.status_code == 204
            assert {a.status_code for a in scheduled} <= {201, 404}
            for answer in scheduled:
                if answer.status_code == 201:
                    meeting = await api.call(
                        "GET", f"/meetings/{answer.json()['id']}", headers=headers
                    )
                    assert meeting.json()["client_id"] is None, meeting.json()
            listing = await api.call("GET", "/meetings?limit=100", headers=headers)
            assert all(m["client_id"] is None for m in listing.json()["items"])

    run_in_server(launch, scenario)


def test_one_email_and_one_client_name_get_one_winner_every_round(launch: Launch) -> None:
    async def scenario(api: Api) -> None:
        headers = bearer(await api.account("namer@example.com"))
        for round_ in range(ROUNDS):
            emails = [f"Race{round_}@Example.com", f"race{round_}@example.com"] * 4
            answers = await asyncio.gather(
                *(
                    api.call("POST", "/auth/register", json={"email": e, "password": PASSWORD})
                    for e in emails
                )
            )
            assert Counter(a.status_code for a in answers) == {201: 1, 409: 7}
            names = [f"ACME {round_}", f"acme {round_}"] * 5
            answers = await asyncio.gather(
                *(api.call("POST", "/clients", headers=headers, json={"name": n}) for n in names)
            )
            assert Counter(a.status_code for a in answers) == {201: 1, 409: 9}
        listing = await api.call("GET", "/clients?limit=100", headers=headers)
        assert listing.json()["total"] == ROUNDS

    run_in_server(launch, scenario)


def run_in_server(launch: Launch, scenario: Callable[[Api], Awaitable[None]]) -> None:
    with race_server(launch) as server:
        statuses = run(server, scenario)
    assert not [s for s in statuses if s >= 500], statuses
