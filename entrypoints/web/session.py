"""The signed-in user, from the session cookie, checked in storage on every request.

Signing in runs ``AuthenticateUser`` (the API's login: the same rate limits and the same
answer, in the same time, for an unknown email and a wrong password) and keeps the
refresh token of the new session in the cookie; an access token is never stored. Each
request resolves the cookie with ``IdentifySession``, which finds the session in storage
and refuses it once revoked (sign-out, a password change) or expired: an old cookie is
worthless at the very next request. ADR 0022.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.responses import Response

from application.auth import IdentifySession
from application.views import UserView
from container import Container
from domain.errors import TokenInvalid
from entrypoints.http.provide import provided

SESSION_COOKIE = "clientbook_session"


class SignInRequired(Exception):
    """No live session: the browser is sent to the sign-in page (303)."""

    def __init__(self, had_cookie: bool) -> None:
        super().__init__("sign in required")
        self.had_cookie = had_cookie


def session_token(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


async def web_user(
    request: Request,
    identify: Annotated[IdentifySession, Depends(provided(Container.identify_session))],
) -> UserView:
    token = session_token(request)
    if token is None:
        raise SignInRequired(had_cookie=False)
    try:
        user = await identify.execute(token)
    except TokenInvalid:
        raise SignInRequired(had_cookie=True) from None
    request.state.web_user = user  # for an error page of this request (its header)
    return user


WebUser = Annotated[UserView, Depends(web_user)]


def set_cookie(response: Response, name: str, value: str, *, secure: bool, max_age: int) -> None:
    """Every cookie of the web app: ``HttpOnly``, ``SameSite=Lax``, ``Secure`` as configured."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_cookie(response: Response, name: str, *, secure: bool) -> None:
    response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
