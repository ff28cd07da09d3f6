"""Accounts and tokens."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import MISSING, Field

from application.auth import RegisterUserCommand, UpdateProfileCommand
from entrypoints.http.schemas.common import Input, Output, PageOut, patch


class RegisterIn(Input):
    email: str = Field(examples=["ada@example.com"])
    password: str = Field(description="8 to 72 bytes in UTF-8.", examples=["correct horse battery"])
    full_name: str | None = Field(None, examples=["Ada Lovelace"])

    def to_command(self) -> RegisterUserCommand:
        return RegisterUserCommand(
            email=self.email, password=self.password, full_name=self.full_name
        )


class LoginIn(Input):
    email: str = Field(examples=["ada@example.com"])
    password: str = Field(examples=["correct horse battery"])


class RefreshIn(Input):
    refresh_token: str = Field(examples=["6lRZ0x0Tj0Yx0J2m8b0rQ2v3d5v8QmZ5cJp0w1x2y3z"])


class ProfilePatch(Input):
    """Absent fields stay as they are; `full_name: null` clears the name."""

    full_name: str | MISSING | None = Field(MISSING, examples=["Ada King"])
    password: str | MISSING = Field(MISSING, description="The new password (8 to 72 bytes).")
    current_password: str | None = Field(None, description="Required to change the password.")

    def to_command(self, user_id: UUID) -> UpdateProfileCommand:
        return UpdateProfileCommand(
            user_id=user_id,
            full_name=patch(self.full_name),
            password=patch(self.password),
            current_password=self.current_password,
        )


class UserOut(Output):
    id: UUID
    email: str = Field(examples=["ada@example.com"])
    full_name: str | None = Field(examples=["Ada Lovelace"])
    is_admin: bool
    created_at: datetime


class UserPage(PageOut[UserOut]):
    pass


class TokenOut(Output):
    access_token: str
    refresh_token: str
    token_type: str = Field(examples=["bearer"])
    expires_in: int = Field(description="Seconds until the access token expires.", examples=[900])
