"""How a rule case runs: the tests each ``tests/rules/test_<module>.py`` makes of its cases.

A case is ``(case id, overrides[, expected])``: the case id is ``<rule id>`` or ``<rule id>:<what>``, and the overrides
change the published XGBoost example (``tests/construct_support.job``) in one place, as a function of the case's stack.
``test_<module>.py`` holds the cases of the rules registered in ``sagemaker_hpo.rules.<module>``
(tests/test_rules_registry.py checks that every rule has its failing and passing cases, in its module's file).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from sagemaker_hpo import ValidationError
from sagemaker_hpo.rules import get_rule, load_rules
from tests.construct_support import job, new_stack

#: A case's change to the example job, given the case's stack.
Overrides = Callable[[cdk.Stack], dict[str, Any]]
Failing = Sequence[tuple[str, Overrides, str]]
Passing = Sequence[tuple[str, Overrides]]
StackProps = Mapping[str, Mapping[str, Any]]


def rule_of(case_id: str) -> str:
    """The rule id of a case id (``HPO-JOB-004:zero`` -> ``HPO-JOB-004``)."""
    return case_id.split(":")[0]


def rules_module_of(case_id: str) -> str:
    """The module of ``sagemaker_hpo.rules`` that registers the case's rule (``job`` for ``HPO-JOB-004``)."""
    load_rules()
    return get_rule(rule_of(case_id)).check.__module__.rsplit(".", 1)[1]


def home_module_of(case_id: str) -> str:
    """The test module that holds the case: ``tests.rules.test_<rules module>``."""
    return f"tests.rules.test_{rules_module_of(case_id)}"


def cases_of(cases: Sequence[Any], module: str) -> list[Any]:
    """The cases of ``cases`` (e.g. tests/request_cases.py's) whose rules the test module ``module`` covers."""
    return [case for case in cases if home_module_of(case[0]) == module]


def warnings(stack: cdk.Stack, rule_id: str | None = None, pattern: str = ".*") -> list[Any]:
    """The stack's warnings matching ``pattern``, of the rule ``rule_id`` if given."""
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(pattern))
    return [w for w in found if rule_id is None or f"[ack: {rule_id}]" in w.entry.data]


def rejects(cases: Failing, *, stack_props: StackProps | None = None) -> Callable[..., None]:
    """A test that each case raises the ``ValidationError`` of its rule, at the job's path, matching its message."""
    props = stack_props or {}

    @pytest.mark.parametrize(("overrides", "message"), [(o, m) for _, o, m in cases], ids=[i for i, _, _ in cases])
    def test_rule_rejects(request: pytest.FixtureRequest, overrides: Overrides, message: str) -> None:
        case_id = request.node.callspec.id
        stack = new_stack("Rules", **props.get(case_id, {}))
        with pytest.raises(ValidationError, match=message) as raised:
            job(stack, "Tuning", **overrides(stack))
        assert str(raised.value).startswith("Rules/Tuning: "), str(raised.value)
        assert raised.value.rule_id == rule_of(case_id), str(raised.value)
        assert str(raised.value).endswith(f"[{rule_of(case_id)}]")

    return test_rule_rejects


def accepts(cases: Passing, *, stack_props: StackProps | None = None) -> Callable[..., None]:
    """A test that each case synthesizes without an error or a warning of its rule."""
    props = stack_props or {}

    @pytest.mark.parametrize("overrides", [o for _, o in cases], ids=[i for i, _ in cases])
    def test_rule_accepts(request: pytest.FixtureRequest, overrides: Overrides) -> None:
        stack = new_stack("Rules", **props.get(request.node.callspec.id, {}))
        job(stack, "Tuning", **overrides(stack))
        assert not warnings(stack, rule_of(request.node.callspec.id))

    return test_rule_accepts


def warns(cases: Failing) -> Callable[..., None]:
    """A test that each case synthesizes with a warning of its rule containing the expected text."""

    @pytest.mark.parametrize(("overrides", "warning"), [(o, w) for _, o, w in cases], ids=[i for i, _, _ in cases])
    def test_rule_warns(request: pytest.FixtureRequest, overrides: Overrides, warning: str) -> None:
        rule_id = rule_of(request.node.callspec.id)
        stack = new_stack("Warn")
        job(stack, "Tuning", **overrides(stack))
        assert warnings(stack, rule_id, warning), f"expected a {rule_id} warning containing {warning!r}"

    return test_rule_warns
