"""Value objects: small immutable types that carry a rule of the domain.

Each is built through ``parse`` (or its constructor), which normalises the raw input and
raises an ``InvalidInput`` subclass when it breaks a rule. Entities keep the validated
plain values so that storage can rebuild them without re-validating.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache

from domain.errors import (
    InvalidContact,
    InvalidDuration,
    InvalidEmail,
    InvalidInput,
    InvalidName,
    InvalidRevenue,
    InvalidTimeZone,
    PasswordTooLong,
    PasswordTooShort,
)

EMAIL_MAX_LENGTH = 254
NAME_MAX_LENGTH = 200
COMPANY_MAX_LENGTH = 200
FULL_NAME_MAX_LENGTH = 200
NOTES_MAX_LENGTH = 5000
LABEL_MAX_LENGTH = 50
CONTACT_VALUE_MAX_LENGTH = 5000
PHONE_MAX_LENGTH = 32  # 15 digits and their separators, with room to spare
PHONE_MIN_DIGITS = 7
PHONE_MAX_DIGITS = 15
CONTACTS_PER_CLIENT = 50
PASSWORD_MIN_BYTES = 8
PASSWORD_MAX_BYTES = 72  # bcrypt ignores (or refuses) anything past 72 bytes
DURATION_MIN_MINUTES = 1
DURATION_MAX_MINUTES = 1440
REVENUE_MAX = Decimal("1000000000")
CENT = Decimal("0.01")
DEFAULT_TIME_ZONE = "UTC"
TIME_ZONE_MAX_LENGTH = 64  # the longest IANA name is about 30 characters

# The patterns below are the rules themselves: the core matches them (``re.fullmatch`` on
# the trimmed value) and the HTTP schemas publish them, so both always say the same. They
# keep to the syntax Python's ``re`` and ECMA-262 (JSON Schema's dialect) share.

# White space as ``str.strip()`` and Python's ``\s`` see it (``str.isspace``), spelled out:
# ECMA-262's ``\s`` (JSON Schema's) leaves out \x1c-\x1f and \x85 and adds \ufeff, so a
# published pattern names these characters instead.
WHITESPACE_CLASS = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"

# Pragmatic address check: a dot-atom local part of at most 64 characters, one "@", a
# dotted domain of sane labels. Full RFC 5322 is neither needed nor wanted. Two patterns,
# the shape and the local part's length, which the core matches as one (a lookahead) and
# the schema states side by side (generators handle two plain patterns far better).
EMAIL_LOCAL_PART_MAX_LENGTH = 64
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_SHAPE_PATTERN = (
    rf"{_ATOM}(?:\.{_ATOM})*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# A prefix: the local part, then its "@".
EMAIL_LOCAL_PART_PATTERN = rf"[^@]{{1,{EMAIL_LOCAL_PART_MAX_LENGTH}}}@"
EMAIL_PATTERN = rf"(?={EMAIL_LOCAL_PART_PATTERN}){EMAIL_SHAPE_PATTERN}"
# 7 to 15 digits, an optional leading "+", and spaces, dots, dashes, parentheses between.
PHONE_PATTERN = rf"\+?[ .()-]*(?:[0-9][ .()-]*){{{PHONE_MIN_DIGITS},{PHONE_MAX_DIGITS}}}"
# A non-negative amount of at most 1,000,000,000 with at most two fraction digits.
REVENUE_PATTERN = r"(?:[0-9]{1,9}(?:\.[0-9]{1,2})?|1000000000(?:\.0{1,2})?)"

_EMAIL = re.compile(EMAIL_PATTERN)
_PHONE = re.compile(PHONE_PATTERN)
_REVENUE = re.compile(REVENUE_PATTERN)


@dataclass(frozen=True, slots=True)
class EmailAddress:
    """A trimmed, lower-cased, syntactically valid address of at most 254 characters."""

    value: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "email") -> EmailAddress:
        value = raw.strip().lower()
        if len(value) > EMAIL_MAX_LENGTH or not _EMAIL.fullmatch(value):
            raise InvalidEmail(field=field)
        return cls(value)


@dataclass(frozen=True, slots=True)
class ClientName:
    """A client's display name and the case-folded key that makes it unique per owner."""

    value: str
    key: str

    @classmethod
    def parse(cls, raw: str, *, field: str = "name") -> ClientName:
        value = raw.strip()
        if not 1 <= len(value) <= NAME_MAX_LENGTH:
            raise InvalidName(field=field)
        refuse_nul(value, field=field, error=InvalidName)
        return cls(value, name_key(value))


def name_key(name: str) -> str:
    """The uniqueness key of a client name: Unicode case folding, identical everywhere."""
    return name.strip().casefold()


@dataclass(frozen=True, slots=True)
class PlainPassword:
    """A password as typed: 8 to 72 bytes of UTF-8. Never stored, never logged."""

    value: str

    def __post_init__(self) -> None:
        size = len(self.value.encode("utf-8"))
        if size < PASSWORD_MIN_BYTES:
            raise PasswordTooShort(field="password")
        if size > PASSWORD_MAX_BYTES:
            raise PasswordTooLong(field="password")

    def __repr__(self) -> str:  # keeps the secret out of tracebacks and logs
        return "PlainPassword(***)"


class ContactKind(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    OTHER = "other"

    @classmethod
    def parse(cls, raw: str) -> ContactKind:
        try:
            return cls(raw.strip().lower())
        except ValueError:
            raise InvalidContact(
                "Contact kind must be one of: email, phone, other.", field="kind"
            ) from None


def parse_contact_value(kind: ContactKind, raw: str) -> str:
    """Validate a contact value by its kind; returns the normalised value."""
    value = raw.strip()
    if kind is ContactKind.EMAIL:
        try:
            return EmailAddress.parse(value, field="value").value
        except InvalidEmail:
            raise InvalidContact("An email contact needs a valid address.", field="value") from None
    if kind is ContactKind.PHONE:
        if len(value) > PHONE_MAX_LENGTH or not _PHONE.fullmatch(value):
            raise InvalidContact(
                "A phone contact needs 7 to 15 digits; only a leading +, spaces, dashes, "
                "dots and parentheses may accompany them (at most 32 characters).",
                field="value",
            )
        return value
    if not 1 <= len(value) <= CONTACT_VALUE_MAX_LENGTH:
        raise InvalidContact(
            f"A contact value must be 1 to {CONTACT_VALUE_MAX_LENGTH} characters long.",
            field="value",
        )
    refuse_nul(value, field="value", error=InvalidContact)
    return value


def parse_optional_text(
    raw: str | None, *, limit: int, field: str, error: type[InvalidInput] = InvalidInput
) -> str | None:
    """Trim optional free text; blank becomes ``None``; longer than ``limit`` is refused."""
    if raw is None:
        return None
    value = raw.strip()
    if not value:
        return None
    if len(value) > limit:
        raise error(f"{field} must be at most {limit} characters.", field=field)
    refuse_nul(value, field=field, error=error)
    return value


def refuse_nul(value: str, *, field: str, error: type[InvalidInput] = InvalidInput) -> None:
    """Text must be storable everywhere: no NUL (PostgreSQL cannot store it) and valid
    Unicode (a lone surrogate, which JSON's ``\\ud800`` can carry, has no UTF-8 form)."""
    if "\x00" in value:
        raise error(f"{field} must not contain NUL characters.", field=field)
    if not is_valid_unicode(value):
        raise error(f"{field} must be valid Unicode (no lone surrogates).", field=field)


def is_valid_unicode(value: str) -> bool:
    """True unless ``value`` holds a lone surrogate (which cannot be encoded as UTF-8)."""
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_revenue(raw: Decimal | int | str) -> Decimal:
    """A non-negative amount of at most 1,000,000,000 with at most two fraction digits."""
    if isinstance(raw, bool):
        raise InvalidRevenue(field="revenue")
    if isinstance(raw, str):
        # Decimal() would also take "1_000", "1e3", "NaN" or surrounding spaces.
        if not _REVENUE.fullmatch(raw):
            raise InvalidRevenue(field="revenue")
        raw = Decimal(raw)
    try:
        amount = raw if isinstance(raw, Decimal) else Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise InvalidRevenue(field="revenue") from None
    if not amount.is_finite() or amount < 0 or amount > REVENUE_MAX:
        raise InvalidRevenue(field="revenue")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and amount != amount.quantize(CENT):
        raise InvalidRevenue(field="revenue")
    # abs() only changes a negative zero ("-0" would otherwise render as "-0.00").
    return abs(amount).quantize(CENT)


def parse_duration(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidDuration("duration_minutes must be a whole number.", field="duration_minutes")
    if not DURATION_MIN_MINUTES <= minutes <= DURATION_MAX_MINUTES:
        raise InvalidDuration(field="duration_minutes")
    return minutes


@cache
def time_zone_names() -> frozenset[str]:
    """The IANA time zone names this system's time zone database knows, and ``UTC``."""
    return frozenset(zoneinfo.available_timezones()) | {DEFAULT_TIME_ZONE}


def parse_time_zone(name: str) -> str:
    """A user's time zone: one of :func:`time_zone_names`, exactly as written there."""
    if name not in time_zone_names():
        raise InvalidTimeZone(field="time_zone")
    return name
