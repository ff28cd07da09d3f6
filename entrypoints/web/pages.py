"""Rendering pages, reading forms, and showing errors where they belong.

- ``render``: a template with the request, the signed-in user and a CSRF token (a new
  nonce cookie when the browser has none).
- ``Submitted``: a POSTed form whose CSRF token matched; nothing reads a form otherwise.
- ``parse``: a form's fields validated by the API's own request schema, so a field's
  error is the same ``errors[]`` item the API would answer with; ``errors_of`` does the
  same for a rule the core enforced. Nothing here decides what is valid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from application.concurrency import ANY, Precondition
from application.views import UserView
from domain.errors import DomainError, InvalidInput
from domain.values import DEFAULT_TIME_ZONE, time_zone_names
from entrypoints.http.problems import domain_field_problem, validation_problems
from entrypoints.web.csrf import CSRF_COOKIE, CSRF_FIELD, CsrfTokens
from entrypoints.web.session import session_token, set_cookie

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

CSRF_COOKIE_SECONDS = 14 * 24 * 3600

# Messages after a redirect (post-redirect-get), chosen by key: nothing from the query
# string is ever shown as text.
DONE_MESSAGES: Mapping[str, str] = {
    "client_added": "Client added.",
    "client_saved": "Client saved.",
    "client_deleted": "Client deleted.",
    "contact_added": "Contact added.",
    "contact_removed": "Contact removed.",
    "meeting_scheduled": "Meeting scheduled.",
    "meeting_saved": "Meeting saved.",
    "meeting_deleted": "Meeting deleted.",
    "profile_saved": "Your name and time zone were saved.",
    "password_changed": "Password changed: every session was signed out. Sign in again.",
    "signed_out": "You are signed out.",
    "registered": "Account created: sign in.",
}

# A period's end, ``to`` in the core and the API, is the forms' ``before``.
PERIOD_FIELDS: Mapping[str, str] = {"to": "before"}

# Errors the core raises about a field without naming it: shown beside that field.
FIELD_OF_CODE: Mapping[str, str] = {
    "client_name_taken": "name",
    "email_taken": "email",
    "invalid_current_password": "current_password",
    "client_not_found": "client_id",
}


@dataclass(frozen=True, slots=True)
class WebConfig:
    templates: Jinja2Templates
    csrf: CsrfTokens
    secure_cookies: bool
    session_seconds: int


def build_config(secret: str, *, secure_cookies: bool, session_seconds: int) -> WebConfig:
    env = Environment(
        loader=PackageLoader("entrypoints.web", "templates"),
        autoescape=select_autoescape(default=True),
        auto_reload=False,  # templates are package files: loaded once per process
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=_money,
        hours=_hours,
        when=_when,
        tuple_of=lambda value: (value, str(value).capitalize()),
        tuple_same=lambda value: (value, value),
        pair=lambda item: (item[0].value, item[1]),
        choice=lambda choice: (str(choice.id), choice.name),
    )
    env.globals["time_zones"] = sorted(time_zone_names())
    return WebConfig(Jinja2Templates(env=env), CsrfTokens(secret), secure_cookies, session_seconds)


def _money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def _hours(minutes: int) -> str:
    return f"{minutes / 60:,.1f}"


def zone_of(time_zone: str) -> tzinfo:
    """The user's zone (a name the core checked); UTC needs no time zone database."""
    return UTC if time_zone == DEFAULT_TIME_ZONE else ZoneInfo(time_zone)


def _when(moment: datetime, time_zone: str = DEFAULT_TIME_ZONE) -> str:
    """A moment as the user's wall-clock time (``{{ m.starts_at | when(user.time_zone) }}``)."""
    return moment.astimezone(zone_of(time_zone)).strftime("%Y-%m-%d %H:%M")


def wall_clock(moment: datetime, time_zone: str) -> str:
    """A moment as a ``datetime-local`` field's value in the user's time zone."""
    return moment.astimezone(zone_of(time_zone)).strftime("%Y-%m-%dT%H:%M")


def config_of(request: Request) -> WebConfig:
    config: WebConfig = request.app.state.web
    return config


def render(
    request: Request,
    template: str,
    *,
    user: UserView | None = None,
    status_code: int = 200,
    errors: Mapping[str, str] | None = None,
    **context: Any,
) -> Response:
    config = config_of(request)
    nonce = request.cookies.get(CSRF_COOKIE)
    fresh = not config.csrf.usable_nonce(nonce)
    if fresh:
        nonce = config.csrf.new_nonce()
    assert nonce is not None  # noqa: S101
    done = request.query_params.get("done")
    response = config.templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf_token": config.csrf.token(nonce, session_token(request)),
            "csrf_field": CSRF_FIELD,
            "errors": errors or {},
            "done": DONE_MESSAGES.get(done) if done else None,
            **context,
        },
        status_code=status_code,
    )
    if fresh:
        set_cookie(
            response,
            CSRF_COOKIE,
            nonce,
            secure=config.secure_cookies,
            max_age=CSRF_COOKIE_SECONDS,
        )
    return response


def form_status(errors: Mapping[str, str]) -> int:
    """A refused form's status: 409 when the refusal is the form's as a whole (a version
    that moved on, ``""`` in ``errors``), else 422 (a field's)."""
    return 409 if "" in errors else 422


def nothing_changed(
    request: Request, user: UserView, error: DomainError, back: str, title: str
) -> Response:
    """The 409 page of a delete refused because the record changed since it was read."""
    return render(
        request,
        "message.html",
        user=user,
        status_code=409,
        title=title,
        message=error.message,
        back=back,
    )


# Where a sign-in may send the browser next: a path of this site (not ``//host``, no
# backslash a browser would read as a slash), never back to the sign-in page itself.
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\\\s\x00-\x1f\x7f]{0,1999}")


def next_path(value: str | None) -> str:
    """``value`` if it is a page of this site to go on to after signing in, else ``/``."""
    if value and _LOCAL_PATH.fullmatch(value) and not value.startswith("/login"):
        return value
    return "/"


def redirect(url: str) -> RedirectResponse:
    """Post-redirect-get: 303, so a reload never posts the form again."""
    return RedirectResponse(url, status_code=303)


async def submitted_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF token matched its cookies (else ``CsrfRefused``)."""
    form = await request.form()
    config_of(request).csrf.check(
        request.cookies.get(CSRF_COOKIE), session_token(request), form.get(CSRF_FIELD)
    )
    return form


Submitted = Annotated[FormData, Depends(submitted_form)]


class FormInvalid(Exception):
    """A form's input broke rules: ``errors`` maps each field (``contacts.0.value``) to why."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("invalid form")
        self.errors = errors


_CONTACT_KINDS = frozenset({"email", "phone", "other"})


def _field(loc: list[str | int]) -> str:
    parts = [str(part) for part in loc if part != "body"]
    # A contact's schema is chosen by its kind, and pydantic names the one it tried
    # (``contacts.0.email.value``): the form's field is ``contacts.0.value``.
    return ".".join(
        part
        for index, part in enumerate(parts)
        if not (part in _CONTACT_KINDS and index + 1 < len(parts))
    )


def _errors(problems: list[dict[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        errors.setdefault(_field(problem["loc"]), problem["msg"])
    return errors


def parse(model: type[M], fields: Mapping[str, Any]) -> M:
    """``fields`` validated by the API's schema ``model``; ``FormInvalid`` with its errors."""
    try:
        return model.model_validate(fields)
    except ValidationError as error:
        raise FormInvalid(_errors(validation_problems(error.errors()))) from None


def parse_as(adapter: TypeAdapter[T], fields: Mapping[str, Any]) -> T:
    """Like ``parse``, for a schema that is not a model (a union of models)."""
    try:
        return adapter.validate_python(fields)
    except ValidationError as error:
        raise FormInvalid(_errors(validation_problems(error.errors()))) from None


def errors_of(error: DomainError, fields: Mapping[str, str] | None = None) -> dict[str, str]:
    """A domain error as field errors: its field if it names one, else the form's (``""``).

    ``fields`` renames the core's field names to the form's (a period's ``to`` is the
    form's ``before``).
    """
    if isinstance(error, InvalidInput):
        errors = _errors([domain_field_problem(error)])
    else:
        errors = {FIELD_OF_CODE.get(error.code, ""): error.message}
    return {(fields or {}).get(name, name): message for name, message in errors.items()}


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def optional(form: FormData, name: str) -> str | None:
    """An optional text field: left empty, it is absent (``None``)."""
    value = text(form, name).strip()
    return value or None


_WHOLE = re.compile(r"[0-9]{1,9}")


def number(form: FormData, name: str) -> int | str:
    """Digits as a number; anything else as typed, for the schema to refuse beside the field."""
    value = text(form, name).strip()
    return int(value) if _WHOLE.fullmatch(value) else value


_LOCAL_MINUTE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")


def local_datetime(form: FormData, name: str, time_zone: str) -> str:
    """A ``datetime-local`` field is a wall-clock time in the user's time zone (the form
    names it); typed with an offset, it keeps it; anything else goes to the schema as typed.

    A time that occurs twice (clocks going back) is the first of the two; a time that does
    not occur (clocks going forward) is read with the offset before the change, as
    ``zoneinfo`` does.
    """
    value = text(form, name).strip()
    if _LOCAL_MINUTE.fullmatch(value) is None:
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:  # 2026-02-30T10:00: the schema says why, beside the field
        return value + "Z"
    return moment.replace(tzinfo=zone_of(time_zone)).isoformat()


_VERSION = re.compile(r"[1-9][0-9]{0,17}")


def version_seen(form: FormData) -> Precondition:
    """The version the form was rendered from: the change applies to that version only."""
    value = text(form, "version")
    return Precondition.matching([int(value)]) if _VERSION.fullmatch(value) else ANY
