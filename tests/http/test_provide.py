"""``entrypoints.http.provide.inject``: use cases come from the container, not from FastAPI."""

import inspect
import sys
from collections.abc import Iterator
from typing import Annotated

import pytest
from dependency_injector import containers, providers
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient

from entrypoints.http.provide import Provide, inject


class Greeter:
    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


class Box(containers.DeclarativeContainer):
    greeter = providers.Factory(Greeter, greeting="hello")


@inject
async def greet(
    name: Annotated[str, Query()], greeter: Annotated[Greeter, Provide[Box.greeter]]
) -> dict[str, str]:
    return {"text": f"{greeter.greeting} {name}"}


@pytest.fixture
def box() -> Iterator[Box]:
    container = Box()
    container.wire(modules=[sys.modules[__name__]])
    yield container
    container.unwire()


def test_fastapi_sees_only_the_request_parameters() -> None:
    assert list(inspect.signature(greet).parameters) == ["name"]


def test_the_container_fills_the_hidden_parameter_and_overrides_apply(box: Box) -> None:
    app = FastAPI()
    app.get("/greet")(greet)
    client = TestClient(app)
    assert client.get("/greet", params={"name": "Ada"}).json() == {"text": "hello Ada"}
    with box.greeter.override(providers.Factory(Greeter, greeting="ahoy")):
        assert client.get("/greet", params={"name": "Ada"}).json() == {"text": "ahoy Ada"}
    schema = app.openapi()["paths"]["/greet"]["get"]
    assert [p["name"] for p in schema["parameters"]] == ["name"]


def test_a_function_without_provided_parameters_is_a_mistake() -> None:
    async def plain(name: str) -> str:
        return name

    with pytest.raises(TypeError, match="no parameter marked"):
        inject(plain)


def test_string_annotations_are_read_too(box: Box) -> None:
    # As under ``from __future__ import annotations``: the markers are in strings.
    async def late(name: "str", greeter: "Annotated[Greeter, Provide[Box.greeter]]") -> str:
        return f"{greeter.greeting} {name}"

    patched = inject(late)
    box.wire(modules=[sys.modules[__name__]])
    assert list(inspect.signature(patched).parameters) == ["name"]
    app = FastAPI()
    app.get("/late")(patched)
    assert TestClient(app).get("/late", params={"name": "Ada"}).json() == "hello Ada"


def test_the_route_stays_a_coroutine_function_with_its_own_name() -> None:
    assert inspect.iscoroutinefunction(greet)
    assert greet.__name__ == "greet"
    assert greet.__module__ == __name__
