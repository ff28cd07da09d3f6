"""The OpenAPI document states the domain's rules, from the domain's own constants.

Two halves: the published constraints equal the domain's constants (so the document says
what the core enforces), and the schema's field types accept exactly what the core's
parsers accept (so nothing the document allows is refused later).
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from typing import Annotated, Any

import jsonschema_rs
import pytest
from fastapi import FastAPI
from http_helpers import storage_independent
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from domain.errors import InvalidInput
from domain.time import EARLIEST_YEAR, LATEST_YEAR, YEAR_PATTERN
from domain.values import (
    COMPANY_MAX_LENGTH,
    CONTACT_VALUE_MAX_LENGTH,
    CONTACTS_PER_CLIENT,
    DURATION_MAX_MINUTES,
    DURATION_MIN_MINUTES,
    EMAIL_LOCAL_PART_PATTERN,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    EMAIL_SHAPE_PATTERN,
    FULL_NAME_MAX_LENGTH,
    LABEL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    PASSWORD_MAX_BYTES,
    PHONE_MAX_LENGTH,
    PHONE_PATTERN,
    REVENUE_MAX,
    REVENUE_PATTERN,
    WHITESPACE_CLASS,
    ContactKind,
    EmailAddress,
    parse_contact_value,
    parse_revenue,
)
from entrypoints.http.schemas.fields import (
    DATETIME_PATTERN,
    ClientNameText,
    Email,
    OtherContactValue,
    PhoneNumber,
    RevenueInput,
    bounded,
)


@pytest.fixture
def schemas(app: FastAPI) -> dict[str, Any]:
    components: dict[str, Any] = app.openapi()["components"]["schemas"]
    return components


def _string(prop: dict[str, Any]) -> dict[str, Any]:
    """The string branch of a property (``anyOf: [string, null]`` for optional ones)."""
    for branch in prop.get("anyOf", [prop]):
        if branch.get("type") == "string":
            return branch
    raise AssertionError(f"no string in {prop}")


def _assert_email_patterns(prop: dict[str, Any]) -> None:
    assert EMAIL_SHAPE_PATTERN in prop["pattern"]
    assert f"(?={EMAIL_LOCAL_PART_PATTERN}){EMAIL_SHAPE_PATTERN}" == EMAIL_PATTERN
    assert [EMAIL_LOCAL_PART_PATTERN in p["pattern"] for p in prop["allOf"]] == [True]


@storage_independent
def test_client_rules_are_the_domains(schemas: dict[str, Any]) -> None:
    client = schemas["ClientIn"]["properties"]
    assert client["name"]["minLength"] == 1
    assert client["name"]["maxLength"] == NAME_MAX_LENGTH
    assert _string(client["company"])["maxLength"] == COMPANY_MAX_LENGTH
    assert _string(client["notes"])["maxLength"] == NOTES_MAX_LENGTH
    assert client["contacts"]["maxItems"] == CONTACTS_PER_CLIENT
    assert set(client["contacts"]["items"]["discriminator"]["mapping"]) == set(ContactKind)
    patch = schemas["ClientPatch"]["properties"]
    assert _string(patch["name"])["maxLength"] == NAME_MAX_LENGTH


@storage_independent
def test_contact_rules_are_the_domains(schemas: dict[str, Any]) -> None:
    email = schemas["EmailContactIn"]["properties"]
    assert email["value"]["maxLength"] == EMAIL_MAX_LENGTH
    _assert_email_patterns(email["value"])
    phone = schemas["PhoneContactIn"]["properties"]
    assert phone["value"]["maxLength"] == PHONE_MAX_LENGTH
    assert PHONE_PATTERN in phone["value"]["pattern"]
    other = schemas["OtherContactIn"]["properties"]
    assert other["value"]["maxLength"] == CONTACT_VALUE_MAX_LENGTH
    for kind in ("EmailContactIn", "PhoneContactIn", "OtherContactIn"):
        assert _string(schemas[kind]["properties"]["label"])["maxLength"] == LABEL_MAX_LENGTH


@storage_independent
def test_account_rules_are_the_domains(schemas: dict[str, Any]) -> None:
    register = schemas["RegisterIn"]["properties"]
    assert register["email"]["maxLength"] == EMAIL_MAX_LENGTH
    _assert_email_patterns(register["email"])
    assert register["password"]["maxLength"] == PASSWORD_MAX_BYTES
    assert _string(register["full_name"])["maxLength"] == FULL_NAME_MAX_LENGTH


@storage_independent
def test_meeting_rules_are_the_domains(schemas: dict[str, Any]) -> None:
    meeting = schemas["MeetingIn"]["properties"]
    assert meeting["duration_minutes"]["type"] == "integer"
    assert meeting["duration_minutes"]["minimum"] == DURATION_MIN_MINUTES
    assert meeting["duration_minutes"]["maximum"] == DURATION_MAX_MINUTES
    text, number = meeting["revenue"]["anyOf"]
    assert (number["minimum"], number["maximum"]) == (0, REVENUE_MAX)
    assert number["multipleOf"] == 0.01
    assert text["pattern"] == f"^{REVENUE_PATTERN}$"
    assert meeting["starts_at"]["format"] == "date-time"
    assert YEAR_PATTERN in meeting["starts_at"]["pattern"]


def _request_schemas(schemas: dict[str, Any]) -> dict[str, Any]:
    return {
        name: schema
        for name, schema in schemas.items()
        if name.endswith(("In", "Patch")) or name.startswith("Body_") or name == "TokenForm"
    }


@storage_independent
def test_every_request_string_has_a_maximum_length(app: FastAPI, schemas: dict[str, Any]) -> None:
    requests = _request_schemas(schemas)
    assert {"ClientIn", "MeetingPatch", "RegisterIn", "RefreshIn", "TokenForm"} <= set(requests)
    for name, schema in requests.items():
        for field, prop in schema["properties"].items():
            for branch in prop.get("anyOf", [prop]):
                if branch.get("type") == "string" and not {"format", "const", "enum"} & set(branch):
                    assert "maxLength" in branch, (name, field)
    for path, operations in app.openapi()["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                for branch in parameter["schema"].get("anyOf", [parameter["schema"]]):
                    if branch.get("type") == "string" and not {"format", "enum"} & set(branch):
                        assert "maxLength" in branch, (path, parameter["name"])


@storage_independent
def test_the_document_uses_json_schema_keywords_only(app: FastAPI) -> None:
    """pydantic's own names (``ge``, ``le`` …) would mean nothing to a client."""
    document = app.openapi()
    found: list[str] = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if where.endswith(("/schema", "/properties")) or "type" in node:
                found.extend(f"{where}/{key}" for key in ("ge", "le", "gt", "lt") if key in node)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(document, "")
    assert not found
    limit = next(
        parameter
        for parameter in document["paths"]["/api/v1/clients"]["get"]["parameters"]
        if parameter["name"] == "limit"
    )
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)


def test_the_year_pattern_is_the_domains_range() -> None:
    years = re.compile(f"^{YEAR_PATTERN}$")
    accepted = [year for year in range(10_000) if years.match(f"{year:04d}")]
    assert accepted == list(range(EARLIEST_YEAR, LATEST_YEAR + 1))
    assert DATETIME_PATTERN.startswith(f"^{YEAR_PATTERN}-")


def _accepts(adapter: TypeAdapter[Any], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


def _domain_accepts(parse: Any, value: object) -> bool:
    try:
        parse(value)
    except InvalidInput:
        return False
    return True


_EMAILS = TypeAdapter(Email, config={"regex_engine": "python-re"})
_PHONES = TypeAdapter(PhoneNumber)
_REVENUES = TypeAdapter(RevenueInput)


@given(
    st.from_regex(EMAIL_PATTERN, fullmatch=True)
    | st.text(alphabet="ab.@-_+1", max_size=30)
    | st.emails()
)
def test_the_email_schema_accepts_what_the_domain_accepts(value: str) -> None:
    assert _accepts(_EMAILS, value) == _domain_accepts(EmailAddress.parse, value)


@given(st.text(alphabet="0123456789 +.-()x", max_size=PHONE_MAX_LENGTH + 4))
def test_the_phone_schema_accepts_what_the_domain_accepts(value: str) -> None:
    def domain(raw: str) -> str:
        return parse_contact_value(ContactKind.PHONE, raw)

    if value != value.strip():
        # The edge bounds the raw text, the core the trimmed text: the edge is stricter.
        assert not _accepts(_PHONES, value) or _domain_accepts(domain, value)
    else:
        assert _accepts(_PHONES, value) == _domain_accepts(domain, value)


@given(
    st.decimals(min_value=-1, max_value=REVENUE_MAX + 1, places=3).map(str)
    | st.text(alphabet="0123456789._-e ", max_size=14)
    | st.integers(min_value=-5, max_value=int(REVENUE_MAX) + 5)
    | st.decimals(min_value=0, max_value=REVENUE_MAX, places=2).map(float)
)
def test_the_revenue_schema_accepts_what_the_domain_accepts(value: object) -> None:
    assert _accepts(_REVENUES, value) == _domain_accepts(parse_revenue, value)
    if _accepts(_REVENUES, value):
        assert _REVENUES.validate_python(value) == parse_revenue(Decimal(str(value)))


_TEXTS = {
    "email": Email,
    "name": ClientNameText,
    "other contact": OtherContactValue,
    "free text": Annotated[str, bounded(40)],
}


@pytest.mark.parametrize("name", sorted(_TEXTS))
@given(
    value=st.from_regex(EMAIL_PATTERN, fullmatch=True)
    | st.text(alphabet="ab.@ \t\x00-\x1f\x85\ufeff\u3000", max_size=70)
    | st.text(max_size=50)
)
def test_the_published_text_rules_are_the_validated_ones(name: str, value: str) -> None:
    """Each text type publishes its rule in a form test generators draw quickly (no
    lookahead, NUL refused by ``not``): that form accepts exactly what validation does."""
    adapter: TypeAdapter[Any] = TypeAdapter(_TEXTS[name], config={"regex_engine": "python-re"})
    published = jsonschema_rs.validator_for(adapter.json_schema())
    assert published.is_valid(value) == _accepts(adapter, value), value


def test_the_white_space_class_is_what_strip_removes_in_both_dialects() -> None:
    """Python's and ECMA-262's ``\\s`` differ; the spelled-out class is ``str.isspace``
    in both (the core trims with ``str.strip``, the schema is read as ECMA-262)."""
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}
    python = re.compile(f"^[{WHITESPACE_CLASS}]$")
    ecma = jsonschema_rs.validator_for({"type": "string", "pattern": f"^[{WHITESPACE_CLASS}]$"})
    candidates = spaces | {chr(c) for c in range(0x3001)} | {"\ufeff", "\U0001f600"}
    for char in candidates:
        assert bool(python.match(char)) == (char in spaces), hex(ord(char))
        assert ecma.is_valid(char) == (char in spaces), hex(ord(char))
