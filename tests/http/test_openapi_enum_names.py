"""Every enum of the OpenAPI document names its members, for generated clients."""

from __future__ import annotations

from fastapi import FastAPI
from http_helpers import storage_independent

from entrypoints.http.openapi import NAMED_ENUMS


@storage_independent
def test_every_enum_carries_its_member_names(app: FastAPI) -> None:
    components = app.openapi()["components"]["schemas"]
    enums = {name: schema for name, schema in components.items() if "enum" in schema}

    assert set(enums) == {enum.__name__ for enum in NAMED_ENUMS}  # a new enum: add it there
    for enum in NAMED_ENUMS:
        assert enums[enum.__name__]["enum"] == [member.value for member in enum]
        assert enums[enum.__name__]["x-enum-varnames"] == [member.name for member in enum]
    assert components["ClientSort"]["x-enum-varnames"] == [
        "NAME",
        "NAME_DESC",
        "CREATED_AT",
        "CREATED_AT_DESC",
    ]
