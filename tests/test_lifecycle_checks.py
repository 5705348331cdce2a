"""Synth-time lifecycle checks (issue 10): one owner per fixed job name, and events the provider's waiter can take."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest

from sagemaker_hpo import Objective
from sagemaker_hpo._validation import ValidationError
from sagemaker_hpo.rules.lifecycle import estimated_json_bytes
from tests.construct_support import custom_training, job, new_stack

RULE_DUPLICATE_FIXED_NAME = "HPO-NAME-010"
RULE_WAITER_EVENT_SIZE = "HPO-EVENT-010"


def test_duplicate_fixed_names_in_one_stack_are_a_synth_error_naming_both_paths() -> None:
    stack = new_stack("Team")
    job(stack, "First", tuning_job_name="shared-name")
    with pytest.raises(ValidationError) as raised:
        job(stack, "Second", tuning_job_name="shared-name")
    message = str(raised.value)
    assert RULE_DUPLICATE_FIXED_NAME in message
    assert "Team/Second: invalid tuning_job_name: 'shared-name'" in message and "Team/First" in message


def test_fixed_names_differing_only_in_case_collide_across_stacks_of_one_app() -> None:
    app = cdk.App()
    job(cdk.Stack(app, "TeamA"), "Job", tuning_job_name="Shared-Name")
    with pytest.raises(ValidationError, match=r"TeamB/Job: invalid tuning_job_name: 'shared-name'.*TeamA/Job"):
        job(cdk.Stack(app, "TeamB"), "Job", tuning_job_name="shared-name")


def test_the_same_fixed_name_in_two_apps_is_fine() -> None:
    job(new_stack("One"), "Job", tuning_job_name="shared-name")
    job(new_stack("Two"), "Job", tuning_job_name="shared-name")


def _big_job(stack: cdk.Stack, values: int, length: int) -> dict[str, Any]:
    """A job on a custom image (built-in XGBoost refuses hyperparameters it does not know, HPO-ALGO-001) with
    ``values`` static hyperparameters of ``length`` characters."""
    static = {f"long_value_{index:02d}": "x" * length for index in range(values)}
    return {
        "objective": Objective.maximize("validation:accuracy"),
        "training": custom_training(stack, static_hyperparameters=static),
    }


def test_a_job_whose_update_event_would_pass_the_waiter_limit_is_a_synth_error() -> None:
    """The finding's case: 52 values of 2,500 characters (the waited Update event reached 265,711 bytes)."""
    stack = new_stack("Team")
    with pytest.raises(ValidationError) as raised:
        job(
            stack,
            "Big",
            **_big_job(stack, 52, 2500),
            wait_for_completion=True,
            max_runtime=cdk.Duration.minutes(30),
        )
    message = str(raised.value)
    assert RULE_WAITER_EVENT_SIZE in message and "Team/Big: invalid request size" in message
    assert "262144" in message


def test_a_large_job_below_the_waiter_limit_synthesizes() -> None:
    stack = new_stack("Team")
    job(
        stack,
        "Large",
        **_big_job(stack, 40, 2500),
        wait_for_completion=True,
        max_runtime=cdk.Duration.minutes(30),
    )


def test_tokens_are_counted_with_an_allowance() -> None:
    stack = new_stack()
    token = cdk.Aws.ACCOUNT_ID
    assert estimated_json_bytes({"a": token}) == len('{"a":}') + 256
    assert estimated_json_bytes({"a": [1, "b"]}) == len('{"a":[1,"b"]}')
    assert stack  # the token belongs to an app


def _reference_json_bytes(value: object) -> int:
    """The size by definition: compact JSON, leaf by leaf, a token counted as 256 bytes."""
    if isinstance(value, dict):
        items = [_reference_json_bytes(str(k)) + 1 + _reference_json_bytes(v) for k, v in value.items()]
        return 2 + sum(items) + max(len(items) - 1, 0)
    if isinstance(value, (list, tuple)):
        return 2 + sum(_reference_json_bytes(v) for v in value) + max(len(value) - 1, 0)
    if cdk.Token.is_unresolved(value):
        return 256
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def test_the_estimate_is_compact_json_with_token_allowances() -> None:
    stack = new_stack()
    region_key = "k-" + cdk.Aws.REGION
    values = [
        {},
        [],
        {"ä": "ünïcode €", "n": [1, 2.5, -3, True, None], "deep": {"x": [{"y": "z"}]}},
        {region_key: cdk.Aws.ACCOUNT_ID, "num": cdk.Token.as_number(cdk.Aws.ACCOUNT_ID), "s": "a {brace} b"},
        ["s3://b/" + cdk.Aws.REGION + "/x", cdk.Token.as_list(cdk.Aws.ACCOUNT_ID)],
    ]
    values.append(job(stack, "Job").request)  # a rendered request: role ARN and image URI are tokens
    for value in values:
        assert estimated_json_bytes(value) == _reference_json_bytes(value), value
