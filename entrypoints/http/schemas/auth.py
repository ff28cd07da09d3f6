"""Accounts and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, TypeAlias
from uuid import UUID

from pydantic import MISSING, Field

from application.auth import RegisterUserCommand, UpdateProfileCommand
from application.concurrency import ANY, Precondition
from domain.values import FULL_NAME_MAX_LENGTH
from entrypoints.http.schemas.common import Input, Output, PageOut, patch
from entrypoints.http.schemas.fields import (
    TOKEN_MAX_LENGTH,
    Email,
    GivenEmail,
    GivenPassword,
    Password,
    TimeZone,
    bounded,
)

FullName: TypeAlias = Annotated[str, bounded(FULL_NAME_MAX_LENGTH)]
RefreshToken: TypeAlias = Annotated[str, bounded(TOKEN_MAX_LENGTH)]
OAuthText: TypeAlias = Annotated[str, bounded(TOKEN_MAX_LENGTH)]


class RegisterIn(Input):
    email: Email = Field(examples=["ada@example.com"])
    password: Password = Field(examples=["correct horse battery"])
    full_name: FullName | None = Field(None, examples=["Ada Lovelace"])

    def to_command(self, source: str) -> RegisterUserCommand:
        return RegisterUserCommand(
            email=self.email, password=self.password, full_name=self.full_name, source=source
        )


class LoginIn(Input):
    email: GivenEmail = Field(examples=["ada@example.com"])
    password: GivenPassword = Field(examples=["correct horse battery"])


class TokenForm(Input):
    """OAuth2's password grant (RFC 6749, section 4.3), as Swagger UI's Authorize sends it."""

    # A form field is text or absent, never null: no ``| None`` here.
    grant_type: Literal["password"] = "password"
    username: GivenEmail = Field(description="Your email.")
    password: GivenPassword
    scope: OAuthText = ""
    client_id: OAuthText = ""
    client_secret: OAuthText = ""


class RefreshIn(Input):
    refresh_token: RefreshToken = Field(examples=["6lRZ0x0Tj0Yx0J2m8b0rQ2v3d5v8QmZ5cJp0w1x2y3z"])


class ProfilePatch(Input):
    """Absent fields stay as they are; `full_name: null` clears the name."""

    full_name: FullName | MISSING | None = Field(MISSING, examples=["Ada King"])
    password: Password | MISSING = Field(
        MISSING, description="The new password (8 to 72 bytes).", examples=["a new passphrase"]
    )
    current_password: GivenPassword | None = Field(
        None, description="Required to change the password."
    )
    time_zone: TimeZone | MISSING = Field(MISSING, examples=["Europe/Paris"])

    def to_command(self, user_id: UUID, precondition: Precondition = ANY) -> UpdateProfileCommand:
        return UpdateProfileCommand(
            user_id=user_id,
            full_name=patch(self.full_name),
            password=patch(self.password),
            current_password=self.current_password,
            precondition=precondition,
            time_zone=patch(self.time_zone),
        )


class UserOut(Output):
    id: UUID
    email: str = Field(examples=["ada@example.com"])
    full_name: str | None = Field(examples=["Ada Lovelace"])
    is_admin: bool
    created_at: datetime
    time_zone: str = Field(examples=["Europe/Paris"])


class UserPage(PageOut[UserOut]):
    pass


class TokenOut(Output):
    access_token: str
    refresh_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[900])
