"""Registration, login (JSON and OAuth2 form), token refresh and logout."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Response, status

from application.auth import (
    AuthenticateUser,
    AuthenticateUserCommand,
    Logout,
    LogoutCommand,
    RefreshTokens,
    RegisterUser,
)
from application.views import TokenPair
from container import Container
from entrypoints.http.problems import problems
from entrypoints.http.provide import provided
from entrypoints.http.rendering import ViewResponse
from entrypoints.http.routers import API_PREFIX, created
from entrypoints.http.schemas.auth import (
    LoginIn,
    RefreshIn,
    RegisterIn,
    TokenForm,
    TokenOut,
    UserOut,
)
from entrypoints.http.security import ClientAddress, CurrentUser

router = APIRouter(prefix=f"{API_PREFIX}/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserOut,
    summary="Create an account",
    responses={**created("account"), **problems(409, 422, 429, 503)},
)
async def register(
    body: RegisterIn,
    source: ClientAddress,
    register: Annotated[RegisterUser, Depends(provided(Container.register_user))],
) -> ViewResponse:
    user = await register.execute(body.to_command(source))
    # The account is reached as /users/me, with its own token.
    return ViewResponse(user, status_code=201, headers={"Location": f"{API_PREFIX}/users/me"})


@router.post(
    "/login",
    response_model=TokenOut,
    summary="Log in with email and password",
    description="Unknown email and wrong password get the same 401.",
    responses=problems(401, 422, 429, 503),
)
async def login(
    body: LoginIn,
    source: ClientAddress,
    authenticate: Annotated[AuthenticateUser, Depends(provided(Container.authenticate_user))],
) -> TokenPair:
    return await authenticate.execute(
        AuthenticateUserCommand(email=body.email, password=body.password, source=source)
    )


@router.post(
    "/token",
    response_model=TokenOut,
    summary="Log in with the OAuth2 password form",
    description="For Swagger UI's Authorize button: `username` is the email.",
    responses=problems(401, 422, 429, 503),
)
async def token(
    form: Annotated[TokenForm, Form()],
    source: ClientAddress,
    authenticate: Annotated[AuthenticateUser, Depends(provided(Container.authenticate_user))],
) -> TokenPair:
    return await authenticate.execute(
        AuthenticateUserCommand(email=form.username, password=form.password, source=source)
    )


@router.post(
    "/refresh",
    response_model=TokenOut,
    summary="Exchange a refresh token for a new pair",
    description="The presented token is used up; presenting it again revokes its family.",
    responses=problems(401, 422),
)
async def refresh(
    body: RefreshIn,
    rotate: Annotated[RefreshTokens, Depends(provided(Container.refresh_session))],
) -> TokenPair:
    return await rotate.execute(body.refresh_token)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Revoke a refresh token and its family",
    description=(
        "Needs the access token, like every route but register, login, token and refresh. "
        "Always 204 for a valid access token, whether or not the refresh token was known "
        "(a refresh token of another user is left alone)."
    ),
    responses=problems(401, 422),
)
async def logout(
    body: RefreshIn,
    user: CurrentUser,
    revoke: Annotated[Logout, Depends(provided(Container.logout))],
) -> Response:
    await revoke.execute(LogoutCommand(user_id=user.id, refresh_token=body.refresh_token))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
