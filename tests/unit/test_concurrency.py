"""Losing races well: retries from a fresh read, If-Match preconditions, and the
password change checked and written against one version of the user."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest

from application.auth import (
    AuthenticateUser,
    AuthenticateUserCommand,
    UpdateProfile,
    UpdateProfileCommand,
)
from application.clients import AddContact, AddContactCommand, ContactDraft, UpdateClientCommand
from application.concurrency import ANY, ATTEMPTS, Precondition, retry_lost_races
from application.meetings import UpdateMeeting, UpdateMeetingCommand
from application.views import MeetingView, Versioned
from domain.errors import (
    ConcurrentUpdate,
    ContactNotFound,
    InvalidCredentials,
    InvalidCurrentPassword,
    PreconditionFailed,
    TooManyContacts,
)
from domain.values import CONTACTS_PER_CLIENT, PlainPassword

from .fakes import ToyPasswordHasher
from .harness import PASSWORD, REFRESH_TTL, Harness

OWNER = UUID(int=1)


async def test_a_lost_race_is_run_again_until_it_wins() -> None:
    calls: list[int] = []

    async def attempt() -> str:
        calls.append(len(calls))
        if len(calls) < 3:
            raise ConcurrentUpdate()
        return "won"

    assert await retry_lost_races(attempt) == "won"
    assert len(calls) == 3


async def test_retries_are_bounded_and_the_last_loss_reaches_the_caller() -> None:
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise ConcurrentUpdate()

    with pytest.raises(ConcurrentUpdate):
        await retry_lost_races(attempt)
    assert calls == ATTEMPTS


async def test_other_errors_are_never_retried() -> None:
    calls = 0

    async def attempt() -> None:
        nonlocal calls
        calls += 1
        raise PreconditionFailed()

    with pytest.raises(PreconditionFailed):
        await retry_lost_races(attempt)
    assert calls == 1


def test_a_precondition_accepts_only_the_versions_it_names() -> None:
    ANY.check(7)
    Precondition.matching([2, 3]).check(3)
    with pytest.raises(PreconditionFailed):
        Precondition.matching([2, 3]).check(4)
    with pytest.raises(PreconditionFailed):
        Precondition.matching([]).check(1)


async def test_update_client_with_a_stale_version_is_refused_and_changes_nothing() -> None:
    h = Harness()
    made = await h.client(OWNER, "Acme")
    first = await h.update_client.execute(
        UpdateClientCommand(OWNER, made.id, notes="first", precondition=Precondition.matching([1]))
    )
    assert first.version == 2
    with pytest.raises(PreconditionFailed):
        await h.update_client.execute(
            UpdateClientCommand(
                OWNER, made.id, notes="stale", precondition=Precondition.matching([1])
            )
        )
    stored = await h.get_client.execute(OWNER, made.id)
    assert (stored.view.notes, stored.version) == ("first", 2)


async def test_every_change_of_a_client_advances_its_version() -> None:
    h = Harness()
    made = await h.client(OWNER, "Acme")
    contact = await h.add_contact.execute(
        AddContactCommand(OWNER, made.id, ContactDraft("email", "a@example.com"))
    )
    assert (await h.get_client.execute(OWNER, made.id)).version == 2
    await h.remove_contact.execute(OWNER, made.id, contact.id)
    assert (await h.get_client.execute(OWNER, made.id)).version == 3
    with pytest.raises(ContactNotFound):
        await h.remove_contact.execute(OWNER, made.id, contact.id)
    assert (await h.get_client.execute(OWNER, made.id)).version == 3


async def test_deletes_honour_their_precondition() -> None:
    h = Harness()
    made = await h.client(OWNER, "Acme")
    meeting = await h.meeting(OWNER, client_id=made.id)
    with pytest.raises(PreconditionFailed):
        await h.delete_client.execute(OWNER, made.id, precondition=Precondition.matching([2]))
    with pytest.raises(PreconditionFailed):
        await h.delete_meeting.execute(OWNER, meeting.id, precondition=Precondition.matching([9]))
    assert (await h.get_client.execute(OWNER, made.id)).version == 1
    await h.delete_client.execute(OWNER, made.id, precondition=Precondition.matching([1]))
    # Detaching the client changed the meeting: its version moved on.
    detached = await h.get_meeting.execute(OWNER, meeting.id)
    assert (detached.view.client_id, detached.version) == (None, 2)
    await h.delete_meeting.execute(OWNER, meeting.id, precondition=Precondition.matching([2]))


async def test_parallel_contact_adds_stop_exactly_at_the_limit() -> None:
    h = Harness()
    made = await h.client(OWNER, "Acme")
    extra = 10

    async def add(index: int) -> str:
        # One use case per request, as the container builds them.
        use_case = AddContact(h.units, h.ids, h.clock)
        draft = ContactDraft("phone", f"+1 555 010 {index:04d}")
        try:
            await use_case.execute(AddContactCommand(OWNER, made.id, draft))
        except TooManyContacts:
            return "refused"
        return "added"

    outcomes = await asyncio.gather(*(add(i) for i in range(CONTACTS_PER_CLIENT + extra)))
    assert outcomes.count("added") == CONTACTS_PER_CLIENT
    assert outcomes.count("refused") == extra
    assert len((await h.get_client.execute(OWNER, made.id)).view.contacts) == CONTACTS_PER_CLIENT


async def test_a_meeting_update_that_loses_runs_again_on_the_winners_meeting() -> None:
    h = Harness()
    made = await h.meeting(OWNER, notes="original")
    winner = UpdateMeeting(h.units, h.clock)

    class LosingOnce(UpdateMeeting):
        """Loses its first attempt's race, as when a write lands between read and write."""

        lost = False

        async def _attempt(self, cmd: UpdateMeetingCommand) -> Versioned[MeetingView]:
            if not self.lost:
                self.lost = True
                await winner.execute(UpdateMeetingCommand(OWNER, made.id, duration_minutes=90))
                raise ConcurrentUpdate()
            return await super()._attempt(cmd)

    result = await LosingOnce(h.units, h.clock).execute(
        UpdateMeetingCommand(OWNER, made.id, notes="mine")
    )
    assert (result.view.notes, result.view.duration_minutes, result.version) == ("mine", 90, 3)


class YieldingHasher(ToyPasswordHasher):
    """Gives other tasks a turn inside every hash and check, as bcrypt in a thread does."""

    async def hash(self, password: PlainPassword, *, source: str | None = None) -> str:
        await asyncio.sleep(0)
        return await super().hash(password)

    async def verify(self, password: str, password_hash: str, *, source: str | None = None) -> bool:
        await asyncio.sleep(0)
        return await super().verify(password, password_hash)


async def test_of_parallel_password_changes_with_one_current_password_exactly_one_wins() -> None:
    h = Harness()
    user = await h.user()
    hasher = YieldingHasher()

    async def change(index: int) -> str:
        use_case = UpdateProfile(h.units, hasher, h.clock)
        command = UpdateProfileCommand(
            user_id=user.id, password=f"new password {index}", current_password=PASSWORD
        )
        try:
            await use_case.execute(command)
        except InvalidCurrentPassword:
            return "refused"
        return f"changed {index}"

    outcomes = await asyncio.gather(*(change(i) for i in range(10)))
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1
    winning_password = "new password " + winners[0].removeprefix("changed ")
    async with h.uow() as uow:
        stored = await uow.users.get(user.id)
    assert stored is not None
    assert await hasher.verify(winning_password, stored.password_hash)
    assert stored.version == 2


async def test_a_password_change_against_a_stale_if_match_is_refused_before_hashing() -> None:
    h = Harness()
    user = await h.user()
    await h.update_profile.execute(UpdateProfileCommand(user_id=user.id, full_name="Ada"))
    hashes = h.hasher.hashes
    with pytest.raises(PreconditionFailed):
        await h.update_profile.execute(
            UpdateProfileCommand(
                user_id=user.id,
                password="another password",
                current_password=PASSWORD,
                precondition=Precondition.matching([1]),
            )
        )
    assert h.hasher.hashes == hashes


async def test_a_login_checked_against_a_password_changed_meanwhile_opens_no_session() -> None:
    h = Harness()
    user = await h.user()
    change = UpdateProfile(h.units, h.hasher, h.clock)

    class ChangedDuringTheCheck(ToyPasswordHasher):
        async def verify(
            self, password: str, password_hash: str, *, source: str | None = None
        ) -> bool:
            right = await super().verify(password, password_hash)
            # The owner changes the password while this login's check is running.
            await change.execute(
                UpdateProfileCommand(
                    user_id=user.id, password="brand new password", current_password=PASSWORD
                )
            )
            return right

    login = AuthenticateUser(
        h.units,
        ChangedDuringTheCheck(),
        h.issuer,
        h.tokens,
        h.limiter,
        h.ids,
        h.clock,
        REFRESH_TTL,
    )
    with pytest.raises(InvalidCredentials):
        await login.execute(AuthenticateUserCommand(user.email, PASSWORD, source="10.0.0.2"))
    assert not h.store.tables.refresh_sessions
