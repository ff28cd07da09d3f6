"""Who is calling: the bearer-token dependency and the caller's address."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.auth import IdentifyUser
from application.views import UserView
from container import Container
from domain.errors import TokenInvalid
from entrypoints.http.provide import Provide, inject

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a route, not a secret

# Reads ``Authorization: Bearer <token>`` and nothing else; ``auto_error=False`` so a
# missing or malformed header becomes our own 401 problem rather than FastAPI's.
# Declared as the OAuth2 password flow so Swagger UI's Authorize button can log in.
bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    auto_error=False,
    scheme_name="bearer",
    description="Log in with your email as the username; or paste an access token.",
)


@inject
async def current_user(
    token: Annotated[str | None, Depends(bearer)],
    identify: Annotated[IdentifyUser, Provide[Container.identify_user]],
) -> UserView:
    """The user behind the access token; any failure is a 401 with ``WWW-Authenticate``."""
    if not token:
        raise TokenInvalid("Missing bearer token.")
    return await identify.execute(token)


CurrentUser = Annotated[UserView, Depends(current_user)]


def client_address(request: Request) -> str:
    """The peer address, the key for per-source login rate limits."""
    return request.client.host if request.client else "unknown"


ClientAddress = Annotated[str, Depends(client_address)]
