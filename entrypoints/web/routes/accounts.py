"""Sign in, register, sign out, the user's settings, and the admin's list of users."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import Response

from application.auth import (
    AuthenticateUser,
    AuthenticateUserCommand,
    GetProfile,
    ListUsers,
    ListUsersQuery,
    Logout,
    LogoutCommand,
    RegisterUser,
    UpdateProfile,
)
from application.views import UserView
from container import Container
from domain.errors import (
    AuthenticationFailed,
    Conflict,
    InvalidInput,
    PermissionDenied,
    PreconditionFailed,
    RateLimited,
    ServiceBusy,
)
from domain.pagination import PageRequest
from entrypoints.http.problems import status_of
from entrypoints.http.provide import provided
from entrypoints.http.schemas.auth import LoginIn, ProfilePatch, RegisterIn
from entrypoints.http.security import ClientAddress
from entrypoints.web.pages import (
    FormInvalid,
    Submitted,
    config_of,
    errors_of,
    next_path,
    optional,
    parse,
    redirect,
    render,
    text,
    version_seen,
)
from entrypoints.web.routes.paging import PAGE_SIZE, page_number, pager
from entrypoints.web.session import (
    SESSION_COOKIE,
    WebUser,
    clear_cookie,
    session_token,
    set_cookie,
)

router = APIRouter(include_in_schema=False, tags=["web"])

# Failures a sign-in or registration form shows (with the status it answers with).
_SIGN_IN_FAILURES = (AuthenticationFailed, InvalidInput, RateLimited, ServiceBusy, Conflict)


@router.get("/login")
async def login_page(request: Request) -> Response:
    return render(request, "login.html", email="", next=next_path(request.query_params.get("next")))


@router.post("/login")
async def login(
    request: Request,
    form: Submitted,
    source: ClientAddress,
    authenticate: Annotated[AuthenticateUser, Depends(provided(Container.authenticate_user))],
) -> Response:
    email = text(form, "email")
    try:
        body = parse(LoginIn, {"email": email, "password": text(form, "password")})
        pair = await authenticate.execute(
            AuthenticateUserCommand(
                email=body.email,
                password=body.password,
                source=source,
                replaces=session_token(request),  # this browser's old session ends
            )
        )
    except FormInvalid as invalid:
        return render(
            request,
            "login.html",
            email=email,
            next=next_path(text(form, "next")),
            errors=invalid.errors,
            status_code=422,
        )
    except _SIGN_IN_FAILURES as error:
        response = render(
            request,
            "login.html",
            email=email,
            next=next_path(text(form, "next")),
            errors=errors_of(error),
            status_code=status_of(error),
        )
        if isinstance(error, RateLimited | ServiceBusy):
            response.headers["Retry-After"] = str(error.retry_after_seconds)
        return response
    config = config_of(request)
    response = redirect(next_path(text(form, "next")))
    set_cookie(
        response,
        SESSION_COOKIE,
        pair.refresh_token,
        secure=config.secure_cookies,
        max_age=config.session_seconds,
    )
    return response


@router.get("/register")
async def register_page(request: Request) -> Response:
    return render(request, "register.html", values={})


@router.post("/register")
async def register(
    request: Request,
    form: Submitted,
    source: ClientAddress,
    register: Annotated[RegisterUser, Depends(provided(Container.register_user))],
) -> Response:
    values = {
        "email": text(form, "email"),
        "password": text(form, "password"),
        "full_name": optional(form, "full_name"),
    }
    try:
        await register.execute(parse(RegisterIn, values).to_command(source))
    except FormInvalid as invalid:
        return _register_again(request, values, invalid.errors, 422)
    except _SIGN_IN_FAILURES as error:
        return _register_again(request, values, errors_of(error), status_of(error))
    return redirect("/login?done=registered")


def _register_again(
    request: Request, values: dict[str, str | None], errors: Mapping[str, str], status: int
) -> Response:
    shown = {key: value for key, value in values.items() if key != "password"}
    return render(request, "register.html", values=shown, errors=errors, status_code=status)


@router.post("/logout")
async def logout(
    request: Request,
    form: Submitted,
    user: WebUser,
    revoke: Annotated[Logout, Depends(provided(Container.logout))],
) -> Response:
    token = request.cookies.get(SESSION_COOKIE, "")
    await revoke.execute(LogoutCommand(user_id=user.id, refresh_token=token))
    response = redirect("/login?done=signed_out")
    clear_cookie(response, SESSION_COOKIE, secure=config_of(request).secure_cookies)
    return response


@router.get("/settings")
async def settings_page(
    request: Request,
    user: WebUser,
    get: Annotated[GetProfile, Depends(provided(Container.get_profile))],
) -> Response:
    profile = await get.execute(user.id)
    return render(
        request,
        "settings.html",
        user=user,
        full_name=profile.view.full_name or "",
        time_zone=profile.view.time_zone,
        version=profile.version,
    )


@router.post("/settings/profile")
async def save_profile(
    request: Request,
    form: Submitted,
    user: WebUser,
    update: Annotated[UpdateProfile, Depends(provided(Container.update_profile))],
) -> Response:
    fields = {"full_name": optional(form, "full_name")}
    if "time_zone" in form:
        fields["time_zone"] = text(form, "time_zone")
    try:
        body = parse(ProfilePatch, fields)
        await update.execute(body.to_command(user.id, version_seen(form)))
    except FormInvalid as invalid:
        return _settings_again(request, user, form, invalid.errors)
    except (InvalidInput, Conflict, PreconditionFailed) as error:
        return _settings_again(request, user, form, errors_of(error))
    return redirect("/settings?done=profile_saved")


@router.post("/settings/password")
async def change_password(
    request: Request,
    form: Submitted,
    user: WebUser,
    update: Annotated[UpdateProfile, Depends(provided(Container.update_profile))],
) -> Response:
    try:
        body = parse(
            ProfilePatch,
            {
                "password": text(form, "password"),
                "current_password": text(form, "current_password"),
            },
        )
        await update.execute(body.to_command(user.id))
    except FormInvalid as invalid:
        return _settings_again(request, user, form, invalid.errors)
    except (InvalidInput, Conflict, PermissionDenied, ServiceBusy) as error:
        return _settings_again(request, user, form, errors_of(error))
    # Every session of the user is revoked, this one too: sign in with the new password.
    response = redirect("/login?done=password_changed")
    clear_cookie(response, SESSION_COOKIE, secure=config_of(request).secure_cookies)
    return response


def _settings_again(
    request: Request, user: UserView, form: FormData, errors: Mapping[str, str]
) -> Response:
    return render(
        request,
        "settings.html",
        user=user,
        full_name=text(form, "full_name") or (user.full_name or ""),
        time_zone=text(form, "time_zone") or user.time_zone,
        version=text(form, "version"),
        errors=errors,
        status_code=403 if "current_password" in errors else 422,
    )


@router.get("/admin/users")
async def users_page(
    request: Request,
    user: WebUser,
    list_users: Annotated[ListUsers, Depends(provided(Container.list_users))],
) -> Response:
    number = page_number(request)
    page = await list_users.execute(
        ListUsersQuery(user.id, PageRequest(PAGE_SIZE, (number - 1) * PAGE_SIZE))
    )
    return render(request, "users.html", user=user, page=page, pager=pager(request, page))
