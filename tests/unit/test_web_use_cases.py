"""The use cases behind the web app: a session resolved in storage, and one screen's parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from application.auth import (
    AuthenticateUserCommand,
    IdentifySession,
    LogoutCommand,
    UpdateProfileCommand,
)
from application.clients import ContactDraft
from application.concurrency import Precondition
from application.meetings import ScheduleMeetingCommand, UpdateMeetingCommand
from application.overviews import (
    BrowseMeetings,
    BuildDashboard,
    EditMeeting,
    ListClientChoices,
    ShowClient,
    SubmitMeetingForm,
)
from domain.errors import (
    ClientNotFound,
    InvalidCredentials,
    MeetingNotFound,
    PreconditionFailed,
    TokenInvalid,
)
from domain.pagination import PageRequest
from domain.queries import MeetingFilter, MeetingQuery
from domain.reports import ReportGrouping

from .harness import PASSWORD, REFRESH_TTL, Harness


@pytest.fixture
def identify(h: Harness) -> IdentifySession:
    return IdentifySession(h.units, h.clock)


async def test_a_live_session_is_its_user(h: Harness, identify: IdentifySession) -> None:
    user = await h.user()
    pair = await h.login()
    assert (await identify.execute(pair.refresh_token)).id == user.id
    # Resolving never uses the session up: the same token works on every request.
    assert (await identify.execute(pair.refresh_token)).id == user.id


@pytest.mark.parametrize("token", ["", "unknown-token", "x" * 10_000])
async def test_an_unknown_token_is_refused(
    h: Harness, identify: IdentifySession, token: str
) -> None:
    await h.user()
    await h.login()
    with pytest.raises(TokenInvalid):
        await identify.execute(token)


async def test_a_signed_out_session_is_refused_at_once(
    h: Harness, identify: IdentifySession
) -> None:
    user = await h.user()
    pair = await h.login()
    await h.logout.execute(LogoutCommand(user.id, pair.refresh_token))
    with pytest.raises(TokenInvalid):
        await identify.execute(pair.refresh_token)


async def test_a_sign_in_over_an_old_session_revokes_that_session(
    h: Harness, identify: IdentifySession
) -> None:
    await h.user()
    old = await h.login()
    rotated = await h.refresh_tokens.execute(old.refresh_token)  # the same family

    new = await h.authenticate_user.execute(
        AuthenticateUserCommand("ada@example.com", PASSWORD, replaces=rotated.refresh_token)
    )

    for token in (old.refresh_token, rotated.refresh_token):
        with pytest.raises(TokenInvalid):
            await identify.execute(token)
    assert (await identify.execute(new.refresh_token)).email == "ada@example.com"


async def test_a_sign_in_over_another_users_session_revokes_it_too(
    h: Harness, identify: IdentifySession
) -> None:
    """The browser gives up the session it held, whoever it belonged to."""
    await h.user("ada@example.com")
    await h.user("grace@example.com")
    ada = await h.login("ada@example.com")
    elsewhere = await h.login("ada@example.com")  # another browser of Ada's

    grace = await h.authenticate_user.execute(
        AuthenticateUserCommand("grace@example.com", PASSWORD, replaces=ada.refresh_token)
    )

    with pytest.raises(TokenInvalid):
        await identify.execute(ada.refresh_token)
    assert (await identify.execute(elsewhere.refresh_token)).email == "ada@example.com"
    assert (await identify.execute(grace.refresh_token)).email == "grace@example.com"


@pytest.mark.parametrize("replaces", ["", "unknown-token", "x" * 10_000])
async def test_a_sign_in_over_an_unknown_token_just_signs_in(
    h: Harness, identify: IdentifySession, replaces: str
) -> None:
    await h.user()
    pair = await h.authenticate_user.execute(
        AuthenticateUserCommand("ada@example.com", PASSWORD, replaces=replaces)
    )
    assert (await identify.execute(pair.refresh_token)).email == "ada@example.com"


async def test_a_refused_sign_in_leaves_the_old_session_alone(
    h: Harness, identify: IdentifySession
) -> None:
    await h.user()
    old = await h.login()
    with pytest.raises(InvalidCredentials):
        await h.authenticate_user.execute(
            AuthenticateUserCommand(
                "ada@example.com", "a wrong password", replaces=old.refresh_token
            )
        )
    assert (await identify.execute(old.refresh_token)).email == "ada@example.com"


async def test_a_password_change_ends_every_session(h: Harness, identify: IdentifySession) -> None:
    user = await h.user()
    first, second = await h.login(), await h.login()
    await h.update_profile.execute(
        UpdateProfileCommand(user.id, password="a new passphrase", current_password=PASSWORD)
    )
    for pair in (first, second):
        with pytest.raises(TokenInvalid):
            await identify.execute(pair.refresh_token)


async def test_an_expired_or_rotated_session_is_refused(
    h: Harness, identify: IdentifySession
) -> None:
    await h.user()
    rotated = await h.login()
    await h.refresh_tokens.execute(rotated.refresh_token)
    with pytest.raises(TokenInvalid):
        await identify.execute(rotated.refresh_token)
    expiring = await h.login()
    h.clock.advance(seconds=REFRESH_TTL.total_seconds())
    with pytest.raises(TokenInvalid):
        await identify.execute(expiring.refresh_token)


async def test_the_session_of_an_inactive_user_is_refused(
    h: Harness, identify: IdentifySession
) -> None:
    user = await h.user()
    pair = await h.login()
    async with h.uow() as uow:
        stored = await uow.users.get(user.id)
        assert stored is not None
        stored.is_active = False
        await uow.users.update(stored)
        await uow.commit()
    with pytest.raises(TokenInvalid):
        await identify.execute(pair.refresh_token)


async def test_the_dashboard_is_this_year_by_month_the_next_meetings_and_the_count(
    h: Harness,
) -> None:
    user = await h.user()
    now = h.clock.now()
    acme = await h.client(user.id, "Acme")
    bolt = await h.client(user.id, "Bolt")
    year_start = datetime(now.year, 1, 1, tzinfo=UTC)
    await h.meeting(user.id, starts_at=year_start, revenue="100.00", client_id=acme.id)
    await h.meeting(user.id, starts_at=year_start - timedelta(days=1), revenue="900.00")
    upcoming = [now + timedelta(days=d) for d in (3, 1, 2, 4, 5, 6)]
    for when in upcoming:
        await h.meeting(user.id, starts_at=when, revenue="10.00")
    dashboard = BuildDashboard(
        h.revenue_report, h.list_meetings, ListClientChoices(h.units), h.clock
    )

    board = await dashboard.execute(user.id)

    assert board.year == now.year
    assert board.revenue.grouping is ReportGrouping.MONTH
    assert board.revenue.period.start == year_start
    assert [(g.key, str(g.totals.revenue)) for g in board.revenue.groups] == [
        (f"{now.year}-01", "100.00"),
        (f"{now.year}-03", "60.00"),
    ]
    assert [m.starts_at for m in board.upcoming] == sorted(upcoming)[:5]
    assert board.clients.total == 2
    assert board.clients.names() == {acme.id: "Acme", bolt.id: "Bolt"}


async def test_a_client_with_its_meetings_and_nobody_else_s(h: Harness) -> None:
    ada = await h.user()
    bob = await h.user("bob@example.com")
    client = await h.client(ada.id, "Acme", contacts=(ContactDraft("email", "a@example.com"),))
    await h.meeting(ada.id, client_id=client.id)
    await h.meeting(ada.id)
    show = ShowClient(h.get_client, h.list_meetings)

    overview = await show.execute(ada.id, client.id)

    assert overview.client.view.contacts[0].value == "a@example.com"
    assert [m.client_id for m in overview.meetings.items] == [client.id]
    with pytest.raises(ClientNotFound):
        await show.execute(bob.id, client.id)


async def test_meetings_come_with_their_clients_names(h: Harness) -> None:
    user = await h.user()
    acme = await h.client(user.id, "Acme")
    meeting = await h.meeting(user.id, client_id=acme.id)
    browse = BrowseMeetings(h.list_meetings, ListClientChoices(h.units))

    overview = await browse.execute(MeetingQuery(MeetingFilter(owner_id=user.id), PageRequest(20)))

    assert [m.id for m in overview.meetings.items] == [meeting.id]
    assert overview.clients.names()[acme.id] == "Acme"
    choices = await ListClientChoices(h.units).execute(user.id)
    assert [c.name for c in choices.items] == ["Acme"]


async def test_a_meeting_to_edit_is_the_owner_s_only(h: Harness) -> None:
    ada = await h.user()
    bob = await h.user("bob@example.com")
    meeting = await h.meeting(ada.id)
    edit = EditMeeting(h.get_meeting, ListClientChoices(h.units))
    assert (await edit.execute(ada.id, meeting.id)).meeting.version == 1
    with pytest.raises(MeetingNotFound):
        await edit.execute(bob.id, meeting.id)


async def test_a_meeting_form_saves_or_comes_back_with_its_refusal_and_picker(
    h: Harness,
) -> None:
    ada = await h.user()
    bob = await h.user("bob@example.com")
    acme = await h.client(ada.id, "Acme")
    bobs = await h.client(bob.id, "Bob's")
    submit = SubmitMeetingForm(h.schedule_meeting, ListClientChoices(h.units))

    def scheduling(client_id: UUID) -> ScheduleMeetingCommand:
        return ScheduleMeetingCommand(ada.id, h.clock.now(), 60, client_id=client_id)

    saved = await submit.execute(ada.id, scheduling(acme.id))
    assert saved.saved
    assert saved.clients is None
    refused = await submit.execute(ada.id, scheduling(bobs.id))  # someone else's client
    assert not refused.saved
    assert isinstance(refused.refusal, ClientNotFound)
    assert refused.clients is not None
    assert [c.name for c in refused.clients.items] == ["Acme"]
    unparsed = await submit.execute(ada.id, None)  # the form did not parse: picker only
    assert (unparsed.saved, unparsed.refusal) == (False, None)
    assert unparsed.clients is not None
    assert unparsed.clients.total == 1
    assert len(h.store.tables.meetings) == 1


async def test_an_edit_form_refuses_a_stale_version_and_lets_a_gone_meeting_be_a_404(
    h: Harness,
) -> None:
    ada = await h.user()
    bob = await h.user("bob@example.com")
    meeting = await h.meeting(ada.id)
    submit = SubmitMeetingForm(h.update_meeting, ListClientChoices(h.units))

    stale = await submit.execute(
        ada.id,
        UpdateMeetingCommand(
            ada.id, meeting.id, duration_minutes=30, precondition=Precondition.matching([7])
        ),
    )
    assert isinstance(stale.refusal, PreconditionFailed)
    with pytest.raises(MeetingNotFound):
        await submit.execute(bob.id, UpdateMeetingCommand(bob.id, meeting.id, notes="mine"))
