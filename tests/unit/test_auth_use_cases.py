"""Accounts and sessions, through the use cases on the in-memory adapters."""

from __future__ import annotations

from uuid import UUID

import pytest

from application.auth import (
    AuthenticateUserCommand,
    ListUsersQuery,
    LogoutCommand,
    RegisterUserCommand,
    UpdateProfileCommand,
)
from domain.errors import (
    AdminRequired,
    CurrentPasswordRequired,
    DomainError,
    EmailTaken,
    InvalidCredentials,
    InvalidCurrentPassword,
    InvalidEmail,
    InvalidInput,
    InvalidTimeZone,
    PasswordTooLong,
    PasswordTooShort,
    RateLimited,
    TokenInvalid,
    UserNotFound,
)
from domain.pagination import PageRequest
from domain.users import RefreshSession, hash_refresh_token

from .harness import PASSWORD, REFRESH_TTL, Harness

# -- registration ------------------------------------------------------------------------


async def test_register_normalises_the_email_and_stores_only_a_hash(h: Harness) -> None:
    view = await h.register_user.execute(
        RegisterUserCommand(email="  Ada.Lovelace@Example.COM ", password=PASSWORD)
    )

    assert view.email == "ada.lovelace@example.com"
    assert view.is_admin is False
    assert view.created_at == h.clock.now()
    stored = h.store.tables.users[view.id]
    assert stored.email == "ada.lovelace@example.com"
    assert stored.is_active is True
    assert PASSWORD not in stored.password_hash
    assert await h.hasher.verify(PASSWORD, stored.password_hash)


async def test_registration_is_limited_per_source_before_any_work(h: Harness) -> None:
    h.register_limiter.allowed = 1
    await h.register_user.execute(RegisterUserCommand("a@example.com", PASSWORD, source="1.2.3.4"))
    hashes = h.hasher.hashes
    with pytest.raises(RateLimited) as caught:
        await h.register_user.execute(
            RegisterUserCommand("b@example.com", PASSWORD, source="1.2.3.4")
        )
    assert caught.value.retry_after_seconds == h.register_limiter.retry_after
    assert h.hasher.hashes == hashes  # refused before the hash
    await h.register_user.execute(RegisterUserCommand("c@example.com", PASSWORD, source="5.6.7.8"))
    # The operator's own tools (no source) are not limited.
    await h.register_user.execute(RegisterUserCommand("d@example.com", PASSWORD))
    await h.register_user.execute(RegisterUserCommand("e@example.com", PASSWORD))
    assert len(h.store.tables.users) == 4


async def test_register_keeps_an_optional_full_name_trimmed(h: Harness) -> None:
    view = await h.register_user.execute(
        RegisterUserCommand(email="a@example.com", password=PASSWORD, full_name="  Ada L.  ")
    )
    blank = await h.register_user.execute(
        RegisterUserCommand(email="b@example.com", password=PASSWORD, full_name="   ")
    )
    assert view.full_name == "Ada L."
    assert blank.full_name is None


async def test_a_full_name_over_200_characters_is_refused_before_hashing(h: Harness) -> None:
    with pytest.raises(InvalidInput) as caught:
        await h.register_user.execute(
            RegisterUserCommand(email="a@example.com", password=PASSWORD, full_name="x" * 201)
        )
    assert caught.value.field == "full_name"
    assert h.hasher.hashes == 0
    assert h.store.tables.users == {}


@pytest.mark.parametrize("variant", ["ada@example.com", "ADA@EXAMPLE.COM", " Ada@Example.com "])
async def test_registering_a_taken_email_in_any_case_is_a_conflict(
    h: Harness, variant: str
) -> None:
    await h.user("ada@example.com")
    with pytest.raises(EmailTaken) as caught:
        await h.user(variant)
    assert caught.value.code == "email_taken"
    assert len(h.store.tables.users) == 1


async def test_admins_can_be_registered_by_the_operator(h: Harness) -> None:
    admin = await h.user("root@example.com", is_admin=True)
    assert admin.is_admin is True


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "plainaddress",
        "@example.com",
        "ada@",
        "ada@example",
        "ada@@example.com",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "ada..l@example.com",
        "ada@-example.com",
        "a" * 65 + "@example.com",
        "ada@example.c",
    ],
)
async def test_register_refuses_invalid_emails(h: Harness, email: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        await h.user(email)
    assert caught.value.code == "invalid_email"
    assert h.store.tables.users == {}


async def test_email_length_limit_is_254_characters(h: Harness) -> None:
    domain = ".".join(["a" * 63, "b" * 63, "c" * 63]) + ".com"  # 195 characters
    at_limit = "d" * (254 - len(domain) - 1) + "@" + domain
    assert len(at_limit) == 254
    view = await h.user(at_limit)
    assert view.email == at_limit

    with pytest.raises(InvalidEmail):
        await h.user("e" + at_limit)


# -- password byte limits -----------------------------------------------------------------

VALID_PASSWORDS = ["x" * 8, "y" * 72, "é" * 36, "€" * 24, "🔑" * 18]
SHORT_PASSWORDS = ["", "x" * 7, "é" * 3]  # "é" * 3 is 6 bytes
LONG_PASSWORDS = ["x" * 73, "é" * 37, "€" * 25, "x" * 71 + "é"]  # 73+ bytes


@pytest.mark.parametrize("password", VALID_PASSWORDS)
async def test_passwords_of_8_to_72_bytes_register_and_log_in(h: Harness, password: str) -> None:
    await h.user(password=password)
    pair = await h.login(password=password)
    assert pair.token_type == "bearer"


@pytest.mark.parametrize("password", SHORT_PASSWORDS)
async def test_register_refuses_a_password_under_8_bytes(h: Harness, password: str) -> None:
    with pytest.raises(PasswordTooShort) as caught:
        await h.user(password=password)
    assert caught.value.code == "password_too_short"
    assert caught.value.field == "password"
    assert h.store.tables.users == {}


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_register_refuses_a_password_over_72_bytes(h: Harness, password: str) -> None:
    with pytest.raises(PasswordTooLong) as caught:
        await h.user(password=password)
    assert caught.value.code == "password_too_long"
    assert h.store.tables.users == {}
    assert h.hasher.hashes == 0


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_login_refuses_a_password_over_72_bytes_clearly(h: Harness, password: str) -> None:
    await h.user()
    with pytest.raises(PasswordTooLong):
        await h.login(password=password)


@pytest.mark.parametrize("password", LONG_PASSWORDS)
async def test_password_change_refuses_a_new_password_over_72_bytes(
    h: Harness, password: str
) -> None:
    user = await h.user()
    with pytest.raises(PasswordTooLong):
        await h.update_profile.execute(
            UpdateProfileCommand(user_id=user.id, password=password, current_password=PASSWORD)
        )
    await h.login(password=PASSWORD)  # the old password still works


@pytest.mark.parametrize("password", SHORT_PASSWORDS)
async def test_password_change_refuses_a_new_password_under_8_bytes(
    h: Harness, password: str
) -> None:
    user = await h.user()
    with pytest.raises(PasswordTooShort):
        await h.update_profile.execute(
            UpdateProfileCommand(user_id=user.id, password=password, current_password=PASSWORD)
        )


@pytest.mark.parametrize("password", ["x" * 8, "é" * 36])
async def test_password_change_accepts_8_and_72_bytes(h: Harness, password: str) -> None:
    user = await h.user()
    await h.update_profile.execute(
        UpdateProfileCommand(user_id=user.id, password=password, current_password=PASSWORD)
    )
    await h.login(password=password)
    with pytest.raises(InvalidCredentials):
        await h.login(password=PASSWORD)


# -- login ----------------------------------------------------------------------------------


async def test_login_issues_an_access_token_for_the_user_and_stores_a_refresh_session(
    h: Harness,
) -> None:
    user = await h.user()
    pair = await h.login(email="  ADA@example.com ")

    me = await h.identify_user.execute(pair.access_token)
    assert me.id == user.id
    assert pair.expires_in == 15 * 60
    sessions = list(h.store.tables.refresh_sessions.values())
    assert len(sessions) == 1
    assert sessions[0].user_id == user.id
    assert sessions[0].token_hash == hash_refresh_token(pair.refresh_token)
    assert pair.refresh_token not in sessions[0].token_hash
    assert sessions[0].expires_at == h.clock.now() + REFRESH_TTL


async def test_unknown_email_and_wrong_password_answer_alike_and_cost_one_verification(
    h: Harness,
) -> None:
    await h.user()

    before = h.hasher.verifications
    with pytest.raises(InvalidCredentials) as wrong_password:
        await h.login(password="not the password")
    wrong_cost = h.hasher.verifications - before

    before = h.hasher.verifications
    with pytest.raises(InvalidCredentials) as unknown_email:
        await h.login(email="nobody@example.com")
    unknown_cost = h.hasher.verifications - before

    assert wrong_cost == unknown_cost == 1
    assert wrong_password.value.code == unknown_email.value.code == "invalid_credentials"
    assert str(wrong_password.value) == str(unknown_email.value)
    assert h.store.tables.refresh_sessions == {}


async def test_an_inactive_user_cannot_log_in(h: Harness) -> None:
    user = await h.user()
    h.store.tables.users[user.id].is_active = False

    before = h.hasher.verifications
    with pytest.raises(InvalidCredentials):
        await h.login()
    assert h.hasher.verifications - before == 1
    assert h.store.tables.refresh_sessions == {}


async def test_login_is_rate_limited_per_email_with_retry_after(h: Harness) -> None:
    await h.user()
    h.limiter.allowed = 2
    h.limiter.retry_after = 37
    await h.authenticate_user.execute(AuthenticateUserCommand("ada@example.com", PASSWORD, "a"))
    await h.authenticate_user.execute(AuthenticateUserCommand("ADA@example.com", PASSWORD, "b"))

    with pytest.raises(RateLimited) as caught:
        await h.authenticate_user.execute(
            AuthenticateUserCommand(" ada@example.com", PASSWORD, "c")
        )
    assert caught.value.code == "rate_limited"
    assert caught.value.retry_after_seconds == 37
    assert len(h.store.tables.refresh_sessions) == 2


async def test_login_is_rate_limited_per_source(h: Harness) -> None:
    h.limiter.allowed = 1
    with pytest.raises(InvalidCredentials):
        await h.authenticate_user.execute(
            AuthenticateUserCommand("one@example.com", PASSWORD, "10.0.0.9")
        )
    with pytest.raises(RateLimited) as caught:
        await h.authenticate_user.execute(
            AuthenticateUserCommand("two@example.com", PASSWORD, "10.0.0.9")
        )
    assert caught.value.retry_after_seconds >= 1


async def test_a_rate_limited_login_does_not_touch_the_password(h: Harness) -> None:
    await h.user()
    h.limiter.allowed = 0
    before = h.hasher.verifications
    with pytest.raises(RateLimited):
        await h.login()
    assert h.hasher.verifications == before


def test_retry_after_is_never_below_one_second() -> None:
    assert RateLimited(0).retry_after_seconds == 1
    assert RateLimited(-5).retry_after_seconds == 1


# -- refresh --------------------------------------------------------------------------------


async def test_refresh_rotates_the_token_and_uses_up_the_old_one(h: Harness) -> None:
    user = await h.user()
    first = await h.login()
    h.clock.advance(minutes=5)

    second = await h.refresh_tokens.execute(first.refresh_token)

    assert second.refresh_token != first.refresh_token
    assert (await h.identify_user.execute(second.access_token)).id == user.id
    families = {s.family_id for s in h.store.tables.refresh_sessions.values()}
    assert len(families) == 1
    old = await _session(h, first.refresh_token)
    assert old.used_at == h.clock.now()
    third = await h.refresh_tokens.execute(second.refresh_token)
    assert third.refresh_token not in {first.refresh_token, second.refresh_token}


async def test_reusing_a_used_token_revokes_the_whole_family(h: Harness) -> None:
    await h.user()
    first = await h.login()
    second = await h.refresh_tokens.execute(first.refresh_token)
    third = await h.refresh_tokens.execute(second.refresh_token)

    with pytest.raises(TokenInvalid) as caught:
        await h.refresh_tokens.execute(first.refresh_token)  # stolen and replayed
    assert caught.value.code == "token_invalid"

    # the newest token of the family stops working too, and the revocation is committed
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(third.refresh_token)
    assert all(s.revoked_at is not None for s in h.store.tables.refresh_sessions.values())


async def test_reuse_revokes_only_its_own_family(h: Harness) -> None:
    await h.user()
    laptop = await h.login()
    phone = await h.login()
    await h.refresh_tokens.execute(laptop.refresh_token)
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(laptop.refresh_token)

    renewed = await h.refresh_tokens.execute(phone.refresh_token)
    assert renewed.refresh_token


async def test_an_expired_refresh_token_is_refused(h: Harness) -> None:
    await h.user()
    pair = await h.login()
    h.clock.advance(days=14)  # expires_at is exclusive
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(pair.refresh_token)


async def test_a_refresh_token_just_before_expiry_still_works(h: Harness) -> None:
    await h.user()
    pair = await h.login()
    h.clock.advance(days=14, seconds=-1)
    assert (await h.refresh_tokens.execute(pair.refresh_token)).refresh_token


@pytest.mark.parametrize("token", ["", "refresh-999", "not-a-token"])
async def test_an_unknown_refresh_token_is_refused(h: Harness, token: str) -> None:
    await h.user()
    await h.login()
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(token)


async def test_a_refresh_token_of_a_deactivated_user_is_refused_and_not_consumed(
    h: Harness,
) -> None:
    user = await h.user()
    pair = await h.login()
    h.store.tables.users[user.id].is_active = False
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(pair.refresh_token)
    assert (await _session(h, pair.refresh_token)).used_at is None


# -- logout -----------------------------------------------------------------------------------


async def test_logout_revokes_the_token_and_its_family(h: Harness) -> None:
    user = await h.user()
    first = await h.login()
    second = await h.refresh_tokens.execute(first.refresh_token)

    # An old token of the family signs out the whole family.
    await h.logout.execute(LogoutCommand(user.id, first.refresh_token))

    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(second.refresh_token)
    assert all(s.revoked_at == h.clock.now() for s in h.store.tables.refresh_sessions.values())


async def test_logout_with_an_unknown_token_is_fine(h: Harness) -> None:
    user = await h.user()
    pair = await h.login()
    await h.logout.execute(LogoutCommand(user.id, "refresh-unknown"))
    assert (await h.refresh_tokens.execute(pair.refresh_token)).refresh_token


async def test_logout_twice_is_fine(h: Harness) -> None:
    user = await h.user()
    pair = await h.login()
    await h.logout.execute(LogoutCommand(user.id, pair.refresh_token))
    await h.logout.execute(LogoutCommand(user.id, pair.refresh_token))
    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(pair.refresh_token)


async def test_logout_leaves_another_users_token_alone(h: Harness) -> None:
    await h.user("ada@example.com")
    mallory = await h.user("mallory@example.com")
    ada_pair = await h.login("ada@example.com")

    await h.logout.execute(LogoutCommand(mallory.id, ada_pair.refresh_token))

    assert all(s.revoked_at is None for s in h.store.tables.refresh_sessions.values())
    assert (await h.refresh_tokens.execute(ada_pair.refresh_token)).refresh_token


# -- identify ---------------------------------------------------------------------------------


async def test_identify_user_returns_the_token_owner(h: Harness) -> None:
    user = await h.user(is_admin=True)
    pair = await h.login()
    me = await h.identify_user.execute(pair.access_token)
    assert me == user


async def test_identify_user_refuses_a_token_of_a_deleted_user(h: Harness) -> None:
    user = await h.user()
    pair = await h.login()
    del h.store.tables.users[user.id]
    with pytest.raises(TokenInvalid):
        await h.identify_user.execute(pair.access_token)


async def test_identify_user_refuses_a_token_of_an_inactive_user(h: Harness) -> None:
    user = await h.user()
    pair = await h.login()
    h.store.tables.users[user.id].is_active = False
    with pytest.raises(TokenInvalid):
        await h.identify_user.execute(pair.access_token)


async def test_identify_user_refuses_expired_or_forged_tokens(h: Harness) -> None:
    await h.user()
    pair = await h.login()
    with pytest.raises(TokenInvalid):
        await h.identify_user.execute(pair.refresh_token)  # never accepted as an access token
    h.clock.advance(minutes=15)
    with pytest.raises(TokenInvalid):
        await h.identify_user.execute(pair.access_token)


# -- find by email ----------------------------------------------------------------------------


async def test_find_user_by_email_normalises_and_reports_missing_users(h: Harness) -> None:
    user = await h.user()
    assert (await h.find_user_by_email.execute(" ADA@example.com ")).id == user.id
    with pytest.raises(UserNotFound) as caught:
        await h.find_user_by_email.execute("ghost@example.com")
    assert caught.value.code == "user_not_found"


# -- profile and password change ---------------------------------------------------------------


async def test_update_profile_renames_and_clears_the_full_name(h: Harness) -> None:
    user = await h.user()
    h.clock.advance(minutes=1)
    renamed = (
        await h.update_profile.execute(
            UpdateProfileCommand(user_id=user.id, full_name=" Ada King ")
        )
    ).view
    assert renamed.full_name == "Ada King"
    assert h.store.tables.users[user.id].updated_at == h.clock.now()

    cleared = (
        await h.update_profile.execute(UpdateProfileCommand(user_id=user.id, full_name=None))
    ).view
    assert cleared.full_name is None
    untouched = (await h.update_profile.execute(UpdateProfileCommand(user_id=user.id))).view
    assert untouched.full_name is None


async def test_a_password_change_needs_the_current_password(h: Harness) -> None:
    user = await h.user()
    with pytest.raises(CurrentPasswordRequired) as caught:
        await h.update_profile.execute(UpdateProfileCommand(user_id=user.id, password="new pass 1"))
    assert caught.value.code == "current_password_required"
    await h.login(password=PASSWORD)


async def test_a_wrong_current_password_is_refused(h: Harness) -> None:
    user = await h.user()
    with pytest.raises(InvalidCurrentPassword) as caught:
        await h.update_profile.execute(
            UpdateProfileCommand(
                user_id=user.id, password="new pass 1", current_password="wrong guess"
            )
        )
    assert caught.value.code == "invalid_current_password"
    await h.login(password=PASSWORD)


async def test_a_password_change_signs_out_every_refresh_session(h: Harness) -> None:
    user = await h.user()
    other = await h.user("bob@example.com")
    laptop = await h.login()
    phone = await h.login()
    bobs = await h.login("bob@example.com")

    await h.update_profile.execute(
        UpdateProfileCommand(user_id=user.id, password="new pass 1", current_password=PASSWORD)
    )

    for pair in (laptop, phone):
        with pytest.raises(TokenInvalid):
            await h.refresh_tokens.execute(pair.refresh_token)
    assert (await h.refresh_tokens.execute(bobs.refresh_token)).refresh_token
    assert other.id != user.id
    await h.login(password="new pass 1")


async def test_update_profile_sets_an_iana_time_zone(h: Harness) -> None:
    user = await h.user()
    assert user.time_zone == "UTC"
    moved = await h.update_profile.execute(
        UpdateProfileCommand(user_id=user.id, time_zone="Asia/Kolkata")
    )
    assert moved.view.time_zone == "Asia/Kolkata"
    assert moved.version == 2
    assert h.store.tables.users[user.id].time_zone == "Asia/Kolkata"


@pytest.mark.parametrize("zone", ["", "Europe/Atlantis", "europe/paris", "UTC ", "Z" * 100])
async def test_update_profile_refuses_a_time_zone_it_does_not_know(h: Harness, zone: str) -> None:
    user = await h.user()
    hashed = h.hasher.hashes
    with pytest.raises(InvalidTimeZone) as refused:
        await h.update_profile.execute(
            UpdateProfileCommand(
                user_id=user.id,
                time_zone=zone,
                password="a new passphrase",
                current_password=PASSWORD,
            )
        )
    assert refused.value.field == "time_zone"
    assert h.hasher.hashes == hashed  # refused before any password work
    assert h.store.tables.users[user.id].time_zone == "UTC"


async def test_update_profile_of_an_unknown_user(h: Harness) -> None:
    with pytest.raises(UserNotFound):
        await h.update_profile.execute(UpdateProfileCommand(user_id=UUID(int=999), full_name="x"))
    with pytest.raises(UserNotFound):
        await h.update_profile.execute(
            UpdateProfileCommand(user_id=UUID(int=999), password="new pass 1", current_password="x")
        )


# -- admin ------------------------------------------------------------------------------------


async def test_admins_list_every_user_oldest_first(h: Harness) -> None:
    admin = await h.user("root@example.com", is_admin=True)
    for n in range(3):
        h.clock.advance(seconds=1)
        await h.user(f"user{n}@example.com")

    page = await h.list_users.execute(ListUsersQuery(admin.id, PageRequest(limit=2, offset=1)))

    assert page.total == 4
    assert (page.limit, page.offset) == (2, 1)
    assert [u.email for u in page.items] == ["user0@example.com", "user1@example.com"]


async def test_only_admins_list_users(h: Harness) -> None:
    user = await h.user()
    with pytest.raises(AdminRequired) as caught:
        await h.list_users.execute(ListUsersQuery(user.id, PageRequest()))
    assert caught.value.code == "admin_required"
    with pytest.raises(AdminRequired):
        await h.list_users.execute(ListUsersQuery(UUID(int=12345), PageRequest()))


async def test_an_inactive_admin_cannot_list_users(h: Harness) -> None:
    admin = await h.user(is_admin=True)
    h.store.tables.users[admin.id].is_active = False
    with pytest.raises(AdminRequired):
        await h.list_users.execute(ListUsersQuery(admin.id, PageRequest()))


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (-1, 0), (10, -1)])
def test_page_requests_are_validated(limit: int, offset: int) -> None:
    with pytest.raises(InvalidInput):
        PageRequest(limit=limit, offset=offset)


def test_every_domain_error_has_a_stable_code() -> None:
    def walk(cls: type[DomainError]) -> list[type[DomainError]]:
        return [cls] + [sub for child in cls.__subclasses__() for sub in walk(child)]

    classes = walk(DomainError)
    codes = [cls.code for cls in classes]
    assert len(classes) > 20
    assert len(codes) == len(set(codes)), "two errors share a code"
    assert all(code and code == code.lower() for code in codes)


async def _session(h: Harness, token: str) -> RefreshSession:
    async with h.uow() as uow:
        session = await uow.refresh_sessions.get_by_token_hash(hash_refresh_token(token))
    assert session is not None
    return session


@pytest.mark.parametrize("email", ["not an email", "ada\x00@example.com", "", "x" * 254])
async def test_login_with_a_malformed_email_is_just_invalid_credentials(
    h: Harness, email: str
) -> None:
    await h.user()
    before = h.hasher.verifications
    with pytest.raises(InvalidCredentials):
        await h.login(email=email)
    assert h.hasher.verifications - before == 1  # still costs one verification


async def test_find_user_by_a_malformed_email_is_not_found(h: Harness) -> None:
    with pytest.raises(UserNotFound):
        await h.find_user_by_email.execute("nul\x00@example.com")


async def test_a_full_name_with_a_nul_character_is_refused(h: Harness) -> None:
    user = await h.user()
    with pytest.raises(InvalidInput, match="NUL"):
        await h.update_profile.execute(UpdateProfileCommand(user_id=user.id, full_name="A\x00"))


async def test_a_revoked_refresh_token_is_refused_without_touching_other_families(
    h: Harness,
) -> None:
    user = await h.user()
    revoked = await h.login()
    other = await h.login()
    await h.logout.execute(LogoutCommand(user.id, revoked.refresh_token))

    with pytest.raises(TokenInvalid):
        await h.refresh_tokens.execute(revoked.refresh_token)
    assert (await h.refresh_tokens.execute(other.refresh_token)).refresh_token


async def test_an_overlong_email_is_refused_before_the_rate_limiter(h: Harness) -> None:
    with pytest.raises(InvalidEmail):
        await h.authenticate_user.execute(
            AuthenticateUserCommand("a" * 250 + "@example.com", PASSWORD, "10.0.0.9")
        )
    assert h.limiter.hits == {}


async def test_an_attempt_refused_for_its_source_is_not_counted_for_its_email(
    h: Harness,
) -> None:
    h.limiter.allowed = 1
    with pytest.raises(InvalidCredentials):
        await h.authenticate_user.execute(
            AuthenticateUserCommand("one@example.com", PASSWORD, "10.0.0.9")
        )
    with pytest.raises(RateLimited):
        await h.authenticate_user.execute(
            AuthenticateUserCommand("two@example.com", PASSWORD, "10.0.0.9")
        )
    assert "login:email:two@example.com" not in h.limiter.hits
