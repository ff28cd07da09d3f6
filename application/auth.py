"""Accounts and sessions: registration, login, token refresh and logout, profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from application.concurrency import ANY, Precondition, retry_lost_races
from application.patch import UNSET, Patch
from application.views import TokenPair, UserView, Versioned
from domain.errors import (
    AdminRequired,
    ConcurrentUpdate,
    CurrentPasswordRequired,
    EmailTaken,
    InvalidCredentials,
    InvalidCurrentPassword,
    InvalidEmail,
    PasswordTooLong,
    RateLimited,
    TokenInvalid,
    UserNotFound,
)
from domain.pagination import Page, PageRequest
from domain.ports import (
    AccessTokenIssuer,
    Clock,
    IdGenerator,
    PasswordHasher,
    RateLimiter,
    RecentUsers,
    RefreshTokenGenerator,
    UnitOfWork,
    UnitsOfWork,
)
from domain.users import RefreshSession, User, hash_refresh_token
from domain.values import (
    EMAIL_MAX_LENGTH,
    FULL_NAME_MAX_LENGTH,
    PASSWORD_MAX_BYTES,
    EmailAddress,
    PlainPassword,
    parse_optional_text,
    parse_time_zone,
)


@dataclass(frozen=True, slots=True)
class RegisterUserCommand:
    email: str
    password: str
    full_name: str | None = None
    is_admin: bool = False
    # The caller's address, for the per-source limit; ``None`` for the operator's own
    # tools (the command line), which are not limited.
    source: str | None = None


class RegisterUser:
    """Create an account; each client address may register a limited number per window."""

    def __init__(
        self,
        units: UnitsOfWork,
        hasher: PasswordHasher,
        ids: IdGenerator,
        clock: Clock,
        limiter: RateLimiter,
    ) -> None:
        self._uow = units.writing()
        self._hasher = hasher
        self._ids = ids
        self._clock = clock
        self._limiter = limiter

    async def execute(self, cmd: RegisterUserCommand) -> UserView:
        email = EmailAddress.parse(cmd.email)
        password = PlainPassword(cmd.password)
        # Refuse every bad input before the expensive hash, not after it.
        full_name = parse_optional_text(
            cmd.full_name, limit=FULL_NAME_MAX_LENGTH, field="full_name"
        )
        if cmd.source is not None:
            # Counted before the lookup too, so the limit also bounds probing for emails.
            wait = await self._limiter.hit(f"register:source:{cmd.source}")
            if wait is not None:
                raise RateLimited(wait)
        async with self._uow as uow:
            taken = await uow.users.get_by_email(email.value) is not None
        if taken:
            raise EmailTaken()
        # Hashing takes a good part of a second: do it outside any transaction so no
        # database connection waits on it. The unique index settles a race meanwhile.
        password_hash = await self._hasher.hash(password, source=cmd.source)
        user = User.register(
            id=self._ids.new(),
            email=email,
            full_name=full_name,
            password_hash=password_hash,
            now=self._clock.now(),
            is_admin=cmd.is_admin,
        )
        async with self._uow as uow:
            await uow.users.add(user)
            await uow.commit()
        return UserView.of(user)


async def _open_session(
    uow: UnitOfWork,
    *,
    user_id: UUID,
    family_id: UUID,
    issuer: AccessTokenIssuer,
    tokens: RefreshTokenGenerator,
    ids: IdGenerator,
    now: datetime,
    refresh_ttl: timedelta,
) -> TokenPair:
    """Mint an access token and a refresh token; stores the refresh session in ``uow``."""
    refresh_token = tokens.new()
    await uow.refresh_sessions.add(
        RefreshSession(
            id=ids.new(),
            user_id=user_id,
            family_id=family_id,
            token_hash=hash_refresh_token(refresh_token),
            created_at=now,
            expires_at=now + refresh_ttl,
        )
    )
    access = issuer.issue(user_id, now=now)
    return TokenPair(
        access_token=access.token, refresh_token=refresh_token, expires_in=access.expires_in
    )


@dataclass(frozen=True, slots=True)
class AuthenticateUserCommand:
    email: str
    password: str
    source: str = "unknown"  # the caller's address, for per-source rate limits
    # The session the caller signs in over (a browser's old cookie): once the new one is
    # open, the old one's family is revoked, so a sign-in leaves no forgotten session.
    replaces: str | None = None


class AuthenticateUser:
    """Log in with email and password; answers alike for unknown emails and bad passwords."""

    def __init__(
        self,
        units: UnitsOfWork,
        hasher: PasswordHasher,
        issuer: AccessTokenIssuer,
        tokens: RefreshTokenGenerator,
        limiter: RateLimiter,
        ids: IdGenerator,
        clock: Clock,
        refresh_ttl: timedelta,
    ) -> None:
        # The account is read in one unit, the password checked outside any, and the
        # session written in another: a reading unit, whose write begins a transaction.
        self._uow = units.reading()
        self._hasher = hasher
        self._issuer = issuer
        self._tokens = tokens
        self._limiter = limiter
        self._ids = ids
        self._clock = clock
        self._refresh_ttl = refresh_ttl

    async def execute(self, cmd: AuthenticateUserCommand) -> TokenPair:
        email = cmd.email.strip().lower()
        # Sizes first: nothing unbounded reaches the rate limiter or the hasher.
        if len(email) > EMAIL_MAX_LENGTH:
            raise InvalidEmail(field="email")
        if len(cmd.password.encode("utf-8")) > PASSWORD_MAX_BYTES:
            raise PasswordTooLong(field="password")
        # An attempt refused for its source is not counted for its email: refusals
        # store nothing, so a flood from one source cannot fill the limiter.
        wait = await self._limiter.hit(f"login:source:{cmd.source}")
        if wait is None:
            wait = await self._limiter.hit(f"login:email:{email}")
        if wait is not None:
            raise RateLimited(wait)

        user = None
        if _could_be_an_account(email):
            async with self._uow as uow:
                user = await uow.users.get_by_email(email)
        if user is None or not user.is_active:
            await self._hasher.verify_dummy(cmd.password, source=cmd.source)
            raise InvalidCredentials()
        if not await self._hasher.verify(cmd.password, user.password_hash, source=cmd.source):
            raise InvalidCredentials()

        async with self._uow as uow:
            # Sessions are written in the user's order (see ``UserRepository.lock``): a
            # password change that committed since the check above wins, and this
            # login, checked against the old password, opens nothing.
            held = await uow.users.lock(user.id)
            if held is None or not held.is_active or held.password_hash != user.password_hash:
                raise InvalidCredentials()
            now = self._clock.now()
            replaced = await _session_of(uow, cmd.replaces)
            if replaced is not None and replaced.user_id == user.id:
                await uow.refresh_sessions.revoke_family(replaced.family_id, at=now)
                replaced = None
            pair = await _open_session(
                uow,
                user_id=user.id,
                family_id=self._ids.new(),
                issuer=self._issuer,
                tokens=self._tokens,
                ids=self._ids,
                now=now,
                refresh_ttl=self._refresh_ttl,
            )
            await uow.commit()
        if replaced is not None:  # another user's session: revoked in that user's order
            async with self._uow as uow:
                await uow.users.lock(replaced.user_id)
                await uow.refresh_sessions.revoke_family(replaced.family_id, at=now)
                await uow.commit()
        return pair


async def _session_of(uow: UnitOfWork, token: str | None) -> RefreshSession | None:
    """The stored session of a refresh token, if the token could be one and it exists."""
    if not token or len(token) > SESSION_TOKEN_MAX_LENGTH:
        return None
    return await uow.refresh_sessions.get_by_token_hash(hash_refresh_token(token))


def _could_be_an_account(email: str) -> bool:
    """Whether storage could hold this address; garbage (even NUL bytes) never reaches it."""
    try:
        EmailAddress.parse(email)
    except InvalidEmail:
        return False
    return True


class RefreshTokens:
    """Rotate a refresh token. A token presented twice revokes its whole family.

    Every session write of a user runs under that user's lock (``UserRepository.lock``),
    so a rotation and a revocation of the same user never overlap: whichever comes
    second sees what the first committed. Without it, a revocation under READ COMMITTED
    missed the session an in-flight rotation had not committed yet, and a thief
    refreshing in a loop kept a live token.
    """

    def __init__(
        self,
        units: UnitsOfWork,
        issuer: AccessTokenIssuer,
        tokens: RefreshTokenGenerator,
        ids: IdGenerator,
        clock: Clock,
        refresh_ttl: timedelta,
    ) -> None:
        self._uow = units.writing()
        self._issuer = issuer
        self._tokens = tokens
        self._ids = ids
        self._clock = clock
        self._refresh_ttl = refresh_ttl

    async def execute(self, refresh_token: str) -> TokenPair:
        now = self._clock.now()
        reused = False
        async with self._uow as uow:
            session = await uow.refresh_sessions.get_by_token_hash(
                hash_refresh_token(refresh_token)
            )
            if session is None or session.revoked_at is not None or now >= session.expires_at:
                raise TokenInvalid()
            user = await uow.users.lock(session.user_id)
            # The conditional consume (not used, not revoked: checked again now that the
            # user is held) makes concurrent refreshes safe: exactly one caller wins;
            # every other presentation of the token counts as reuse.
            if session.used_at is not None or not await uow.refresh_sessions.mark_used(
                session.id, at=now
            ):
                await uow.refresh_sessions.revoke_family(session.family_id, at=now)
                await uow.commit()
                reused = True
            else:
                if user is None or not user.is_active:
                    raise TokenInvalid()
                pair = await _open_session(
                    uow,
                    user_id=user.id,
                    family_id=session.family_id,
                    issuer=self._issuer,
                    tokens=self._tokens,
                    ids=self._ids,
                    now=now,
                    refresh_ttl=self._refresh_ttl,
                )
                await uow.commit()
        if reused:
            raise TokenInvalid()
        return pair


@dataclass(frozen=True, slots=True)
class LogoutCommand:
    user_id: UUID
    refresh_token: str


class Logout:
    """Revoke one of the caller's refresh tokens and its family.

    Unknown tokens, and tokens of another user, are ignored on purpose: the answer is
    the same either way, so logout reveals nothing about which tokens exist.
    """

    def __init__(self, units: UnitsOfWork, clock: Clock) -> None:
        self._uow = units.writing()
        self._clock = clock

    async def execute(self, cmd: LogoutCommand) -> None:
        async with self._uow as uow:
            session = await uow.refresh_sessions.get_by_token_hash(
                hash_refresh_token(cmd.refresh_token)
            )
            if session is None or session.user_id != cmd.user_id:
                return
            # In the user's order, like every session write (see ``RefreshTokens``).
            await uow.users.lock(cmd.user_id)
            await uow.refresh_sessions.revoke_family(session.family_id, at=self._clock.now())
            await uow.commit()


class IdentifyUser:
    """Resolve an access token to its user; a token of a gone or inactive user is invalid.

    With ``recent``, an active user read a moment ago is not read again: every
    authenticated request calls this (ADR 0006). Unlike the other use cases it is built
    once and shared by every request, since it holds nothing of one (ADR 0015): so it
    keeps ``units`` and opens a unit of its own only when it has to read.
    """

    def __init__(
        self,
        units: UnitsOfWork,
        issuer: AccessTokenIssuer,
        recent: RecentUsers | None = None,
    ) -> None:
        self._units = units
        self._issuer = issuer
        self._recent = recent

    async def execute(self, access_token: str) -> UserView:
        claims = self._issuer.verify(access_token)
        user = self._recent.get(claims.user_id) if self._recent is not None else None
        if user is None:
            async with self._units.reading() as uow:
                user = await uow.users.get(claims.user_id)
            if user is None or not user.is_active:
                raise TokenInvalid()
            if self._recent is not None:
                self._recent.put(user)
        return UserView.of(user)


class IdentifySession:
    """Resolve a session token (a refresh token kept by a browser) to its user.

    The session must be live right now: not revoked (logout, password change, reuse of
    the family), not used up, not expired, and its user active. Unlike an access token,
    whose signature stays valid until it expires, a session is checked in storage on
    every call, so a revocation takes effect at the next request. The web app keeps this
    token in its cookie and never rotates it (rotation would use it up).
    """

    def __init__(self, units: UnitsOfWork, clock: Clock) -> None:
        self._uow = units.reading()
        self._clock = clock

    async def execute(self, session_token: str) -> UserView:
        if not session_token or len(session_token) > SESSION_TOKEN_MAX_LENGTH:
            raise TokenInvalid()
        now = self._clock.now()
        async with self._uow as uow:
            session = await uow.refresh_sessions.get_by_token_hash(
                hash_refresh_token(session_token)
            )
            if (
                session is None
                or session.revoked_at is not None
                or session.used_at is not None
                or now >= session.expires_at
            ):
                raise TokenInvalid()
            user = await uow.users.get(session.user_id)
        if user is None or not user.is_active:
            raise TokenInvalid()
        return UserView.of(user)


# Far above what ``RefreshTokenGenerator`` makes; a longer token is refused unhashed.
SESSION_TOKEN_MAX_LENGTH = 512


class FindUserByEmail:
    """Look a user up by email (the CLI's ``--user EMAIL``)."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, email: str) -> UserView:
        user = None
        if _could_be_an_account(email):
            async with self._uow as uow:
                user = await uow.users.get_by_email(email.strip().lower())
        if user is None:
            raise UserNotFound(f"No user with email {email.strip()!r}.")
        return UserView.of(user)


class GetProfile:
    """The caller's own account and its version (``GET /users/me`` and its ``ETag``)."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, user_id: UUID) -> Versioned[UserView]:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None or not user.is_active:
            raise UserNotFound()
        return Versioned(UserView.of(user), user.version)


@dataclass(frozen=True, slots=True)
class UpdateProfileCommand:
    user_id: UUID
    full_name: Patch[str | None] = UNSET
    password: Patch[str] = UNSET
    current_password: str | None = None
    precondition: Precondition = ANY
    time_zone: Patch[str] = UNSET


class UpdateProfile:
    """Rename, set the time zone, or change the password (which signs out every refresh
    session).

    The current password is checked against one version of the user, and the new hash
    is written over that same version only, under the user's lock (the order every
    session write takes, see ``RefreshTokens``). Of several changes made at once with
    the same current password, one wins; the others run again from a fresh read and
    find that the current password is no longer the one they were given.
    """

    def __init__(
        self,
        units: UnitsOfWork,
        hasher: PasswordHasher,
        clock: Clock,
        recent: RecentUsers | None = None,
    ) -> None:
        self._uow = units.writing()
        self._hasher = hasher
        self._clock = clock
        self._recent = recent

    async def execute(self, cmd: UpdateProfileCommand) -> Versioned[UserView]:
        change: tuple[str, PlainPassword] | None = None
        if cmd.time_zone is not UNSET:
            parse_time_zone(cmd.time_zone)  # refused before any password is hashed
        if cmd.password is not UNSET:
            new_password = PlainPassword(cmd.password)
            if cmd.current_password is None:
                raise CurrentPasswordRequired(field="current_password")
            change = (cmd.current_password, new_password)
        try:
            return await retry_lost_races(lambda: self._attempt(cmd, change))
        finally:
            if self._recent is not None:
                self._recent.forget(cmd.user_id)

    async def _attempt(
        self, cmd: UpdateProfileCommand, change: tuple[str, PlainPassword] | None
    ) -> Versioned[UserView]:
        checked_version: int | None = None
        new_hash: str | None = None
        if change is not None:
            current_password, new_password = change
            async with self._uow as uow:
                checked = await uow.users.get(cmd.user_id)
            if checked is None:
                raise UserNotFound()
            cmd.precondition.check(checked.version)
            # Both hashes take a good part of a second: outside any transaction, so no
            # connection and no lock waits on them.
            # Shared fairly per user: the caller is signed in, whatever its address.
            source = f"user:{cmd.user_id}"
            if not await self._hasher.verify(
                current_password, checked.password_hash, source=source
            ):
                raise InvalidCurrentPassword()
            new_hash = await self._hasher.hash(new_password, source=source)
            checked_version = checked.version

        async with self._uow as uow:
            user = await uow.users.lock(cmd.user_id)
            if user is None:
                raise UserNotFound()
            cmd.precondition.check(user.version)
            if checked_version is not None and user.version != checked_version:
                # Changed since the password was checked: check again from a fresh read.
                raise ConcurrentUpdate()
            now = self._clock.now()
            if cmd.full_name is not UNSET:
                user.rename(cmd.full_name, now=now)
            if cmd.time_zone is not UNSET:
                user.move_to(cmd.time_zone, now=now)
            if new_hash is not None:
                user.change_password_hash(new_hash, now=now)
                await uow.refresh_sessions.revoke_all_for_user(user.id, at=now)
            await uow.users.update(user)
            await uow.commit()
        return Versioned(UserView.of(user), user.version)


@dataclass(frozen=True, slots=True)
class ListUsersQuery:
    requested_by: UUID
    page: PageRequest


class ListUsers:
    """Every account, for administrators only."""

    def __init__(self, units: UnitsOfWork) -> None:
        self._uow = units.reading()

    async def execute(self, query: ListUsersQuery) -> Page[UserView]:
        async with self._uow as uow:
            actor = await uow.users.get(query.requested_by)
            if actor is None or not actor.is_admin or not actor.is_active:
                raise AdminRequired()
            page = await uow.users.list(query.page)
        return page.with_items([UserView.of(u) for u in page.items])
