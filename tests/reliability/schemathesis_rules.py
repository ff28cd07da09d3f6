"""The one list of rules the API enforces that its OpenAPI document cannot state.

Schemathesis (``schemathesis.toml`` at the repository root loads this file as its hooks)
sends requests the schema calls valid and fails the run when one is refused
(``positive_data_acceptance``, ST202). A schema-valid request may still break a rule that
compares two inputs, counts bytes, or depends on stored state; the API answers those with
the rule's own code. Each such rule is named here, with the reason no JSON Schema can
state it, and a refusal is forgiven only when the API's answer names that rule. Any other
refusal of a schema-valid request is a bug, and nothing else is filtered.

docs/api.md ("Rules no schema can state") lists the same rules for people;
``tests/reliability/test_schemathesis.py`` checks that both lists agree.
"""

# No ``from __future__ import annotations``: Schemathesis runs this file without
# registering it as a module, where string annotations break ``dataclass``.
import json
import os
from dataclasses import dataclass
from typing import Any

import schemathesis

SCHEMA_VALID_REQUEST_REJECTED = "ST202"
# When set, each forgiven refusal appends "<rule> <METHOD path>" to this file (the test
# reports how often each rule was met).
FORGIVEN_LOG = "CLIENTBOOK_ST_FORGIVEN_LOG"


@dataclass(frozen=True)
class Rule:
    """A rule the schema describes in words, as the API names it when it is broken: the
    problem's ``code``, and for a ``validation_error`` the ``errors[].type`` it may hold."""

    code: str
    status: int
    reason: str
    error_types: frozenset[str] = frozenset()

    def explains(self, status: int, problem: dict[str, Any]) -> bool:
        if status != self.status:
            return False
        if not self.error_types:
            return problem.get("code") == self.code
        types = {error.get("type") for error in problem.get("errors", [])}
        return problem.get("code") == self.code and bool(types) and types <= self.error_types

    @property
    def names(self) -> frozenset[str]:
        return self.error_types or frozenset({self.code})


RULES = (
    Rule(
        code="validation_error",
        status=422,
        reason=(
            "passwords are 8 to 72 bytes of UTF-8; JSON Schema counts characters, so the "
            "schema states the 2 to 72 characters those bytes allow"
        ),
        error_types=frozenset({"password_too_short", "password_too_long"}),
    ),
    Rule(
        code="invalid_period",
        status=422,
        reason="`from` must be before `to` (report, listing, export): two inputs compared",
    ),
    Rule(
        code="current_password_required",
        status=422,
        reason="a password change needs `current_password`: one input requires another",
    ),
    Rule(
        code="too_many_contacts",
        status=422,
        reason="a 51st contact added to a client: stored state, not the request",
    ),
    Rule(
        code="precondition_failed",
        status=412,
        reason=(
            "`If-Match` names a version the resource is no longer at: stored state; any "
            "entity tag is a valid header"
        ),
    ),
)


def explaining_rule(status: int, body: bytes) -> Rule | None:
    """The rule the API's answer names, if it names one of ``RULES``."""
    try:
        problem = json.loads(body)
    except ValueError:
        return None
    if not isinstance(problem, dict):
        return None
    return next((rule for rule in RULES if rule.explains(status, problem)), None)


@schemathesis.hook
def filter_failure(
    context: schemathesis.HookContext,
    failure: Any,
    case: schemathesis.Case,
    response: schemathesis.Response,
) -> bool:
    """Keep every failure but a schema-valid request refused under one of ``RULES``."""
    if failure.code != SCHEMA_VALID_REQUEST_REJECTED:
        return True
    rule = explaining_rule(response.status_code, response.content)
    if rule is None:
        return True
    log = os.environ.get(FORGIVEN_LOG)
    if log:
        with open(log, "a", encoding="utf-8") as forgiven:
            forgiven.write(f"{'/'.join(sorted(rule.names))} {case.operation.label}\n")
    return False
