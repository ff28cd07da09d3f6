"""Schemathesis against the app's own OpenAPI document, in process, as a logged-in user.

Every operation gets a bounded number of generated requests (valid and invalid), and
each response must be no 5xx, a documented status, a documented content type, and match
the documented schema. The app runs on a migrated SQLite file, so the real SQL adapter
sees the generated input (NUL bytes, huge numbers, odd Unicode …).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config import load_settings
from container import Container
from entrypoints.http.app import create_app

SECRET = "a-fuzzing-secret-long-enough-for-every-hmac-algorithm-0123456789"
EMAIL = "fuzz@example.com"
PASSWORD = "correct horse battery"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# 24 operations x this many examples (half valid, half not): about half a minute here.
EXAMPLES_PER_OPERATION = 100

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzzed_app(
    _sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FastAPI]:
    database = tmp_path_factory.mktemp("fuzz") / "clientbook.db"
    shutil.copyfile(_sqlite_template, database)
    container = Container()
    overrides: dict[str, Any] = {
        "env": "test",
        "persistence": "sqlalchemy",
        "database_url": f"sqlite:///{database}",
        "secret_key": SECRET,
        "bcrypt_rounds": 4,
        "login_rate_limit": "off",
        "register_rate_limit": "off",
    }
    with container.settings.override(load_settings(**overrides)):
        yield create_app(container)
        # Schemathesis started the app's lifespan on its own event loop: end it here,
        # while the container still holds this test's engine.
        asgi.shutdown_lifespans()
    container.reset_singletons()
    container.unwire()


@pytest.fixture(scope="module")
def bearer(fuzzed_app: FastAPI) -> dict[str, str]:
    """A registered user's access token, obtained through the API itself."""
    with asgi.get_client(fuzzed_app) as client:
        registered = client.post(
            "/api/v1/auth/register", json={"email": EMAIL, "password": PASSWORD}
        )
        assert registered.status_code == 201, registered.text
        login = client.post("/api/v1/auth/login", json={"email": EMAIL, "password": PASSWORD})
        assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


def test_every_operation_conforms_to_its_schema(
    fuzzed_app: FastAPI, bearer: dict[str, str]
) -> None:
    """One Hypothesis run per operation; every failing operation is reported together.

    (Schemathesis's ``from_fixture`` parametrisation does not run on pytest 9, so the
    operations are walked here instead; the generated cases and checks are the same.)
    """
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_app)
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(
            case=st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            )
        )
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate, Phase.shrink],
        )
        def fuzz(case: Any) -> None:
            case.call_and_validate(headers=bearer, checks=CHECKS)

        try:
            fuzz()
        except (Exception, BaseExceptionGroup) as failure:  # reported together, below
            failures[operation.label] = f"{type(failure).__name__}: {failure}"
    assert operations >= 20, "the schema lost its operations"
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())
