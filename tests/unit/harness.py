"""Every use case wired to one in-memory store and the fakes: the unit tests' composition root."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from adapters.memory.in_flight import InMemoryInFlightLimiter
from adapters.memory.store import InMemoryStore
from adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitsOfWork
from application.auth import (
    AuthenticateUser,
    AuthenticateUserCommand,
    FindUserByEmail,
    IdentifyUser,
    ListUsers,
    Logout,
    RefreshTokens,
    RegisterUser,
    RegisterUserCommand,
    UpdateProfile,
)
from application.clients import (
    AddClient,
    AddClientCommand,
    AddContact,
    ContactDraft,
    DeleteClient,
    GetClient,
    ImportClients,
    ListClients,
    RemoveContact,
    UpdateClient,
)
from application.meetings import (
    BuildRevenueReport,
    DeleteMeeting,
    ExportMeetings,
    GetMeeting,
    ListMeetings,
    ScheduleMeeting,
    ScheduleMeetingCommand,
    UpdateMeeting,
)
from application.views import ClientView, MeetingView, TokenPair, UserView

from .fakes import (
    FakeAccessTokenIssuer,
    FakeClock,
    ScriptedRateLimiter,
    SequentialIds,
    SequentialRefreshTokens,
    ToyPasswordHasher,
)

PASSWORD = "correct horse"
REFRESH_TTL = timedelta(days=14)


class Harness:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.clock = FakeClock()
        self.ids = SequentialIds()
        self.hasher = ToyPasswordHasher()
        self.issuer = FakeAccessTokenIssuer(self.clock)
        self.tokens = SequentialRefreshTokens()
        self.limiter = ScriptedRateLimiter()
        self.units = InMemoryUnitsOfWork(self.store)
        self.register_limiter = ScriptedRateLimiter()

        self.register_user = RegisterUser(
            self.units, self.hasher, self.ids, self.clock, self.register_limiter
        )
        self.authenticate_user = AuthenticateUser(
            self.units,
            self.hasher,
            self.issuer,
            self.tokens,
            self.limiter,
            self.ids,
            self.clock,
            REFRESH_TTL,
        )
        self.refresh_tokens = RefreshTokens(
            self.units, self.issuer, self.tokens, self.ids, self.clock, REFRESH_TTL
        )
        self.logout = Logout(self.units, self.clock)
        self.identify_user = IdentifyUser(self.units, self.issuer)
        self.find_user_by_email = FindUserByEmail(self.units)
        self.update_profile = UpdateProfile(self.units, self.hasher, self.clock)
        self.list_users = ListUsers(self.units)

        self.add_client = AddClient(self.units, self.ids, self.clock)
        self.list_clients = ListClients(self.units)
        self.get_client = GetClient(self.units)
        self.update_client = UpdateClient(self.units, self.clock)
        self.delete_client = DeleteClient(self.units)
        self.add_contact = AddContact(self.units, self.ids, self.clock)
        self.remove_contact = RemoveContact(self.units, self.clock)
        self.import_clients = ImportClients(self.units, self.ids, self.clock)

        self.schedule_meeting = ScheduleMeeting(self.units, self.ids, self.clock)
        self.list_meetings = ListMeetings(self.units)
        self.get_meeting = GetMeeting(self.units)
        self.update_meeting = UpdateMeeting(self.units, self.clock)
        self.delete_meeting = DeleteMeeting(self.units)
        self.long_requests = InMemoryInFlightLimiter(2)
        self.export_meetings = ExportMeetings(self.units, self.long_requests)
        self.revenue_report = BuildRevenueReport(self.units, self.long_requests)

    def uow(self) -> InMemoryUnitOfWork:
        """A fresh unit of work on the shared store, as the container's factory gives."""
        return InMemoryUnitOfWork(self.store)

    # -- shortcuts for arranging a scenario ---------------------------------------------

    async def user(
        self, email: str = "ada@example.com", *, password: str = PASSWORD, is_admin: bool = False
    ) -> UserView:
        return await self.register_user.execute(
            RegisterUserCommand(email=email, password=password, is_admin=is_admin)
        )

    async def login(self, email: str = "ada@example.com", password: str = PASSWORD) -> TokenPair:
        return await self.authenticate_user.execute(
            AuthenticateUserCommand(email=email, password=password, source="10.0.0.1")
        )

    async def client(
        self,
        owner_id: UUID,
        name: str = "Acme",
        *,
        company: str | None = None,
        contacts: tuple[ContactDraft, ...] = (),
    ) -> ClientView:
        return await self.add_client.execute(
            AddClientCommand(owner_id=owner_id, name=name, company=company, contacts=contacts)
        )

    async def meeting(
        self,
        owner_id: UUID,
        *,
        starts_at: datetime | None = None,
        minutes: int = 60,
        revenue: str = "100.00",
        client_id: UUID | None = None,
        notes: str | None = None,
    ) -> MeetingView:
        when = starts_at if starts_at is not None else self.clock.now()
        return await self.schedule_meeting.execute(
            ScheduleMeetingCommand(
                owner_id=owner_id,
                starts_at=when,
                duration_minutes=minutes,
                client_id=client_id,
                revenue=revenue,
                notes=notes,
            )
        )

    # -- what is committed -----------------------------------------------------------

    @property
    def committed_clients(self) -> int:
        return len(self.store.tables.clients)

    @property
    def committed_meetings(self) -> int:
        return len(self.store.tables.meetings)
