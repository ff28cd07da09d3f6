"""``provided``: use cases as FastAPI dependencies that ask the app's container."""

import inspect

import pytest
from dependency_injector import providers

from container import Container
from entrypoints.http.provide import provided


def test_the_dependency_is_async_so_fastapi_does_not_hop_to_its_thread_pool() -> None:
    # A plain ``def`` dependency (dependency-injector's ``Provide[...]`` marker is one)
    # runs in FastAPI's thread pool on every request: ADR 0021.
    assert inspect.iscoroutinefunction(provided(Container.add_client))


def test_only_providers_of_the_container_can_be_provided() -> None:
    with pytest.raises(ValueError, match="not a provider of Container"):
        provided(providers.Factory(object))
