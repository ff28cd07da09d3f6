"""Field types of the request schemas: the domain's rules, declared and enforced at the edge.

Each type states its rule twice over from the same source: as JSON Schema constraints
built from the domain's constants and patterns (so ``/openapi.json`` shows every rule), and
as validation that calls the domain's own parser (so nothing the schema allows is refused
later, and nothing it refuses gets through). A broken rule becomes one pydantic error
whose ``type`` is the domain error's ``code`` (``invalid_name``, ``password_too_short``…),
so a request breaking several rules gets one ``errors[]`` item for each
(``tests/http/test_http_schema_rules.py`` checks both halves against the domain).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, TypeAlias

from annotated_types import GroupedMetadata
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from domain.errors import (
    InvalidContact,
    InvalidDuration,
    InvalidEmail,
    InvalidInput,
    InvalidName,
    InvalidTimestamp,
    InvalidTimeZone,
    PasswordTooLong,
    PasswordTooShort,
    TooManyContacts,
)
from domain.time import YEAR_PATTERN
from domain.values import (
    CONTACT_VALUE_MAX_LENGTH,
    CONTACTS_PER_CLIENT,
    DURATION_MAX_MINUTES,
    DURATION_MIN_MINUTES,
    EMAIL_LOCAL_PART_PATTERN,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    EMAIL_SHAPE_PATTERN,
    LABEL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PASSWORD_MAX_BYTES,
    PASSWORD_MIN_BYTES,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    REVENUE_MAX,
    REVENUE_PATTERN,
    TIME_ZONE_MAX_LENGTH,
    WHITESPACE_CLASS,
    ContactKind,
    EmailAddress,
    PlainPassword,
    parse_contact_value,
    parse_revenue,
    parse_time_zone,
    time_zone_names,
)

# Constraint errors of pydantic that a field's rule takes over; any other error (a number
# where text belongs, a missing field, an item of a list) keeps pydantic's own report.
_CONSTRAINT_ERRORS = frozenset(
    {
        "string_too_short",
        "string_too_long",
        "string_pattern_mismatch",
        "greater_than_equal",
        "less_than_equal",
        "too_long",
    }
)
_TOO_LONG_ERRORS = frozenset({"string_too_long", "less_than_equal", "too_long"})

# Text with something besides white space, and no NUL: what the core's parsers accept
# once they have trimmed the value.
NOT_BLANK_PATTERN = r"^(?=[\s\S]*\S)[^\x00]*$"
NO_NUL_PATTERN = r"^[^\x00]*$"

# RFC 3339 date-time (ISO 8601 with seconds and an offset), in the years the core keeps.
# Each field within its range, so that generators drawing from the pattern rarely miss
# the ``date-time`` format (only a 30 February, say, is left to the format to refuse).
_MONTH = r"(?:0[1-9]|1[0-2])"
_DAY = r"(?:0[1-9]|[12][0-9]|3[01])"
_HOUR = r"(?:[01][0-9]|2[0-3])"
_SIXTY = r"[0-5][0-9]"
DATETIME_PATTERN = (
    rf"^{YEAR_PATTERN}-{_MONTH}-{_DAY}[Tt]{_HOUR}:{_SIXTY}:{_SIXTY}"
    rf"(?:\.[0-9]{{1,6}})?(?:[Zz]|[+-]{_HOUR}:{_SIXTY})$"
)
_DATETIME = re.compile(DATETIME_PATTERN)
_WHOLE_NUMBER = re.compile(r"^-?[0-9]{1,18}$")

# Every request string has a bound; this one is for the few with no rule of their own.
TOKEN_MAX_LENGTH = 512


def rule(
    error: type[InvalidInput],
    parse: Callable[[Any], object] | None = None,
    *,
    too_long: type[InvalidInput] | None = None,
) -> WrapValidator:
    """Report a broken constraint, or a refusal by the core's ``parse``, as ``error``'s
    code (``too_long``'s when an upper bound is what broke)."""

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            result = handler(value)
        except ValidationError as broken:
            kind = broken.errors()[0]["type"]
            if kind not in _CONSTRAINT_ERRORS:
                raise
            chosen = too_long if too_long is not None and kind in _TOO_LONG_ERRORS else error
            raise PydanticCustomError(chosen.code, chosen.default_message) from None
        if parse is not None:
            try:
                parse(result)
            except InvalidInput as refused:
                code = refused.code if refused.code != InvalidInput.code else error.code
                raise PydanticCustomError(code, refused.message) from None
        return result

    return WrapValidator(validate)


@dataclass(frozen=True, slots=True)
class TextShape:
    """What a text field accepts: ``check``, the regex its value must match (Python's
    ``re``, lookaheads and all), and ``published``, the same rule as JSON Schema keywords
    without lookaheads or long anchored classes: the ``pattern`` it contains (JSON Schema
    patterns are searches), ``allOf`` patterns beside it, and NUL refused with ``not``.
    Test generators (Schemathesis, Hypothesis) draw such keywords quickly, where an
    anchored ``^[^\\x00]*$`` of 5000 characters or a lookahead takes them minutes."""

    check: str | None
    published: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema.pop("pattern", None)
        schema.update(self.published)
        return schema


_NO_NUL: tuple[str, Any] = ("not", {"pattern": r"\x00"})
FREE_TEXT = TextShape(NO_NUL_PATTERN, (_NO_NUL,))
# A search: some character that is not white space.
NOT_BLANK = TextShape(NOT_BLANK_PATTERN, (("pattern", f"[^{WHITESPACE_CLASS}]"), _NO_NUL))
ANY_TEXT = TextShape(None, ())


class bounded(GroupedMetadata):
    """At most ``max_length`` characters of ``shape`` (free text without NUL unless told
    otherwise; pydantic refuses a lone surrogate in any string, as ``string_unicode``)."""

    def __init__(
        self, max_length: int, *, min_length: int | None = None, shape: TextShape = FREE_TEXT
    ) -> None:
        self.constraints = StringConstraints(
            min_length=min_length, max_length=max_length, pattern=shape.check
        )
        self.shape = shape

    def __iter__(self) -> Iterator[object]:
        yield self.constraints
        yield self.shape


_SPACES = f"[{WHITESPACE_CLASS}]*"


def _surrounded(pattern: str) -> str:
    """The core trims before matching, so the edge lets white space surround the value."""
    return f"^{_SPACES}(?:{pattern}){_SPACES}$"


# The address's shape and its local part's length, side by side in the schema (the core
# matches both at once); the shape admits no NUL.
EMAIL_SHAPE = TextShape(
    _surrounded(EMAIL_PATTERN),
    (
        ("pattern", _surrounded(EMAIL_SHAPE_PATTERN)),
        ("allOf", [{"pattern": f"^{_SPACES}{EMAIL_LOCAL_PART_PATTERN}"}]),
    ),
)
PHONE_SHAPE = TextShape(_surrounded(PHONE_PATTERN), (("pattern", _surrounded(PHONE_PATTERN)),))


Email: TypeAlias = Annotated[
    str,
    bounded(EMAIL_MAX_LENGTH, shape=EMAIL_SHAPE),
    rule(InvalidEmail, EmailAddress.parse),
]

_SIGN_WORDS = {"+": "_PLUS_", "-": "_MINUS_"}


def _zone_varname(name: str) -> str:
    """A member name for generated clients: ``Etc/GMT+5`` ``ETC_GMT_PLUS_5``, distinct from
    ``Etc/GMT-5`` (a generator's own naming folds the two together)."""
    return re.sub(r"[^A-Za-z0-9]", lambda m: _SIGN_WORDS.get(m.group(), "_"), name).upper()


_ZONES = sorted(time_zone_names())

# A time zone is one of the IANA names the core knows: the schema lists every one.
TimeZone: TypeAlias = Annotated[
    str,
    Field(
        max_length=TIME_ZONE_MAX_LENGTH,
        json_schema_extra={
            "enum": _ZONES,
            "x-enum-varnames": [_zone_varname(zone) for zone in _ZONES],
        },
        description="An IANA time zone name: where the web app shows and reads times.",
    ),
    rule(InvalidTimeZone, parse_time_zone),
]

# A password's bounds are in UTF-8 bytes, which JSON Schema cannot count: the schema
# states the character bounds they imply (a character is 1 to 4 bytes) and the
# description the rule; the exact check is the core's (docs/api.md, "Rules no schema
# can state").
Password: TypeAlias = Annotated[
    str,
    bounded(PASSWORD_MAX_BYTES, min_length=-(-PASSWORD_MIN_BYTES // 4), shape=ANY_TEXT),
    rule(PasswordTooShort, PlainPassword, too_long=PasswordTooLong),
    Field(description=f"{PASSWORD_MIN_BYTES} to {PASSWORD_MAX_BYTES} bytes in UTF-8."),
]


def _password_bytes(value: str) -> None:
    if len(value.encode("utf-8")) > PASSWORD_MAX_BYTES:
        raise PasswordTooLong(field="password")


# What login takes: any address (a wrong one is the same 401 as a wrong password) and any
# password within the bound bcrypt can check.
GivenEmail: TypeAlias = Annotated[str, bounded(EMAIL_MAX_LENGTH), rule(InvalidEmail)]
GivenPassword: TypeAlias = Annotated[
    str,
    bounded(PASSWORD_MAX_BYTES, shape=ANY_TEXT),
    rule(PasswordTooLong, _password_bytes),
    Field(description=f"At most {PASSWORD_MAX_BYTES} bytes in UTF-8."),
]

ClientNameText: TypeAlias = Annotated[
    str, bounded(NAME_MAX_LENGTH, min_length=1, shape=NOT_BLANK), rule(InvalidName)
]
PhoneNumber: TypeAlias = Annotated[
    str, bounded(PHONE_MAX_LENGTH, shape=PHONE_SHAPE), rule(InvalidContact)
]
ContactEmail: TypeAlias = Annotated[
    str,
    bounded(EMAIL_MAX_LENGTH, shape=EMAIL_SHAPE),
    rule(InvalidContact, lambda value: parse_contact_value(ContactKind.EMAIL, value)),
]
OtherContactValue: TypeAlias = Annotated[
    str,
    bounded(CONTACT_VALUE_MAX_LENGTH, min_length=1, shape=NOT_BLANK),
    rule(InvalidContact),
]
ContactLabel: TypeAlias = Annotated[str, bounded(LABEL_MAX_LENGTH), rule(InvalidContact)]


def _whole_number(value: Any) -> Any:
    """Query strings hold text: only plain digits are an integer (no ``1.0``, ``1_0``, `` 1``)."""
    if isinstance(value, str) and not _WHOLE_NUMBER.match(value):
        raise PydanticCustomError("int_parsing", "Input should be a whole number.")
    return value


# After the parameter's constraints (``Annotated[int, Query(ge=1), WHOLE_NUMBER]``): placed
# before them, it would hide them from the schema's ``minimum``/``maximum``.
WHOLE_NUMBER = BeforeValidator(_whole_number)


def _integral(value: Any) -> Any:
    """JSON has numbers, not integers and floats: ``60.0`` is the integer 60, as JSON Schema's
    ``integer`` says; ``60.5`` and ``true`` are not integers (``int_type``)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Duration = Annotated[
    int,
    Field(strict=True, ge=DURATION_MIN_MINUTES, le=DURATION_MAX_MINUTES),
    rule(InvalidDuration),
    BeforeValidator(_integral),
]


def _revenue(value: Any) -> Any:
    """A JSON number, or a string in the revenue pattern; never a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise PydanticCustomError("decimal_type", "Revenue must be a number or a decimal string.")
    try:
        return parse_revenue(value if not isinstance(value, float) else str(value))
    except InvalidInput as refused:
        raise PydanticCustomError(refused.code, refused.message) from None


RevenueInput = Annotated[
    Decimal,
    BeforeValidator(_revenue),
    WithJsonSchema(
        {
            # The decimal string first: a generated client takes the first form as its
            # type, and money should travel exact, not as a binary float.
            "anyOf": [
                {
                    "type": "string",
                    "pattern": f"^{REVENUE_PATTERN}$",
                    "maxLength": len(f"{REVENUE_MAX:.2f}"),
                },
                {
                    "type": "number",
                    "minimum": 0,
                    "maximum": int(REVENUE_MAX),
                    "multipleOf": 0.01,
                },
            ],
            "description": (
                "A decimal string (or a JSON number); 0 to 1,000,000,000 with at most 2 "
                "fraction digits."
            ),
            "examples": ["1250.00", 1250],
        }
    ),
]


def _iso_datetime(value: Any) -> Any:
    """Only RFC 3339 text (never a Unix time or a bare date), in the years the core keeps."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise PydanticCustomError(InvalidTimestamp.code, InvalidTimestamp.default_message)
    return value


IsoDatetime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": DATETIME_PATTERN,
            "maxLength": len("2026-03-02T09:30:00.000000+01:00"),
        }
    ),
]


def _at_most_contacts(contacts: list[Any]) -> list[Any]:
    if len(contacts) > CONTACTS_PER_CLIENT:
        raise PydanticCustomError(TooManyContacts.code, TooManyContacts.default_message)
    return contacts


# ``maxItems`` in the schema, checked once the items are valid, as ``too_many_contacts``.
CONTACTS_AT_MOST = Field(json_schema_extra={"maxItems": CONTACTS_PER_CLIENT})
CONTACTS_COUNT = AfterValidator(_at_most_contacts)
