"""Who is calling: the bearer-token dependency and the caller's address.

``CurrentUser`` is a plain FastAPI dependency (``Depends(current_user)``): that is what
route signatures say, what FastAPI documents as the OAuth2 password flow (Swagger UI's
Authorize button), and FastAPI resolves it once per request, however many functions of
the request ask for it (its per-request dependency cache).
"""

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.views import UserView
from container import Container
from domain.errors import TokenInvalid

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a route, not a secret


class BearerUser(OAuth2PasswordBearer):
    """The caller, from ``Authorization: Bearer <token>``: one dependency, not two.

    It is the security scheme (so OpenAPI documents it, as the OAuth2 password flow,
    and Swagger UI's Authorize button can log in) and it resolves the token to its user.
    A missing or malformed header is our own 401 problem, not FastAPI's; any failure is
    a 401 with ``WWW-Authenticate``.
    """

    async def __call__(self, request: Request) -> UserView:  # type: ignore[override]
        token = bearer_token(request.scope["headers"])
        if not token:
            raise TokenInvalid("Missing bearer token.")
        container: Container = request.app.state.container
        return await container.identify_user().execute(token)


def bearer_token(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The token of the first ``Authorization: Bearer <token>`` header, as
    ``OAuth2PasswordBearer`` reads it (scheme in any case), straight from the ASGI
    headers: building Starlette's ``Headers`` for one lookup cost more than the rest of
    a cached caller's resolution."""
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


current_user = BearerUser(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    scheme_name="bearer",
    description="Log in with your email as the username; or paste an access token.",
)

CurrentUser = Annotated[UserView, Depends(current_user)]


def client_address(request: Request) -> str:
    """The peer address, the key for per-source login rate limits."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
