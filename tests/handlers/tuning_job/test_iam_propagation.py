"""Tests of ``tuning_job.iam_propagation``: a create denied while IAM changes propagate is tried again, within its
window and the Lambda deadline; other refusals are not.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

import pytest

from tests.handler_support import (
    COULD_NOT_ASSUME,
    PASS_ROLE_DENIED,
    ROLE_ARN,
    SageMakerScript,
    event,
    generated,
    handler_module,
    properties,
    xgboost_request,
)

SAGEMAKER = handler_module("sagemaker")
IAM = handler_module("iam_propagation")
RUNTIME = handler_module("runtime")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("AccessDeniedException", PASS_ROLE_DENIED),
        ("AccessDenied", PASS_ROLE_DENIED),
        (
            "AccessDeniedException",
            "User: arn:aws:sts::123456789012:assumed-role/hpo-demo-handler/x is not authorized to perform: "
            "sagemaker:CreateHyperParameterTuningJob on resource: arn:aws:sagemaker:us-east-1:123456789012:"
            "hyper-parameter-tuning-job/my-tuning-job",
        ),
        ("ValidationException", COULD_NOT_ASSUME),
        ("ValidationException", PASS_ROLE_DENIED),
    ],
    ids=["pass-role-denied", "access-denied-code", "job-arn-denied", "could-not-assume-role", "validation-pass-role"],
)
def test_create_denied_while_iam_propagates_is_retried(
    handler: ModuleType, sm: SageMakerScript, code: str, message: str
) -> None:
    name = generated(handler)
    sm.create_error(name, code, message)
    sm.create_error(name, code, message)
    sm.create(name)
    sm.describe(name, "InProgress")

    assert handler.on_event(event("Create"))["PhysicalResourceId"] == name

    delays = sm.sleeps.delays
    assert len(delays) == 2
    assert IAM.IAM_BASE_DELAY_SECONDS / 2 <= delays[0] <= IAM.IAM_BASE_DELAY_SECONDS
    assert sm.created == [name]
    sm.assert_done(owned={name})


def test_update_replacing_the_job_retries_a_denied_create(handler: ModuleType, sm: SageMakerScript) -> None:
    """A new training role usually comes with a changed request: the replacing create is retried the same way."""
    old_name = generated(handler)
    new_request = xgboost_request(**{"TrainingJobDefinition.RoleArn": ROLE_ARN + "-v2"})
    new_name = generated(handler, new_request)
    sm.seed(old_name, "InProgress")
    sm.create_error(
        new_name, "AccessDeniedException", PASS_ROLE_DENIED.replace(ROLE_ARN, ROLE_ARN + "-v2"), new_request
    )
    sm.create(new_name, new_request)
    sm.describe(new_name, "InProgress")

    result = handler.on_event(event("Update", properties(new_request), old=properties(), physical_id=old_name))

    assert result["PhysicalResourceId"] == new_name
    assert len(sm.sleeps.delays) == 1
    sm.assert_done(owned={old_name, new_name})


def test_create_denied_for_good_fails_after_about_90_seconds_with_a_hint(
    handler: ModuleType, sm: SageMakerScript
) -> None:
    name = generated(handler)
    handler.set_jitter(lambda: 1.0)  # every delay at its ceiling: 2, 4, 8, 16, 16, 16, 16 (78 s), then 16 > 90 - 78
    for _ in range(8):
        sm.create_error(name, "AccessDeniedException", PASS_ROLE_DENIED)

    with pytest.raises(handler.SageMakerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert message.startswith(
        f"CreateHyperParameterTuningJob failed for tuning job '{name}': AccessDeniedException: {PASS_ROLE_DENIED}"
    )
    assert "gave up after 8 attempts" in message
    assert "IAM changes take a moment to propagate" in message and "retried for 78 s" in message
    assert "one the provider may pass (iam:PassRole)" in message
    assert raised.value.code == "AccessDeniedException"
    assert sm.sleeps.delays == [2.0, 4.0, 8.0, 16.0, 16.0, 16.0, 16.0]
    assert sum(sm.sleeps.delays) <= IAM.IAM_PROPAGATION_WAIT_SECONDS
    assert sm.created == []
    sm.assert_done()


def test_iam_retries_stop_before_the_lambda_deadline(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create_error(name, "ValidationException", COULD_NOT_ASSUME)
    seconds = RUNTIME.DEADLINE_MARGIN_SECONDS + SAGEMAKER.CALL_WORST_CASE_SECONDS
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: int(seconds * 1000))

    with pytest.raises(handler.SageMakerError, match="Could not assume role.*IAM changes take a moment"):
        handler.on_event(event("Create"), context)

    assert sm.sleeps.delays == []
    sm.assert_done()


@pytest.mark.parametrize(
    "message",
    [
        "MaxResource must be less than or equal to 20000",
        "MaxResource parameter is not provided and could not be inferred",
        "The role arn:aws:iam::123456789012:role/x does not have sufficient permissions",  # not a propagation hint
    ],
    ids=["range", "could-not-be-inferred", "other-role-message"],
)
def test_other_validation_errors_of_create_are_not_retried(
    handler: ModuleType, sm: SageMakerScript, message: str
) -> None:
    name = generated(handler)
    sm.create_error(name, "ValidationException", message)
    with pytest.raises(handler.SageMakerError, match="ValidationException"):
        handler.on_event(event("Create"))
    assert sm.sleeps.delays == []
    sm.assert_done()
