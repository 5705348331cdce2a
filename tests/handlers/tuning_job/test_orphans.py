"""Tests of ``tuning_job.orphans``: a job this event started is stopped when the event fails, the describe lag wait is
bounded by its own limit and the Lambda deadline, and an event without time to confirm a job starts nothing.
"""

from __future__ import annotations

from types import ModuleType, SimpleNamespace

import pytest

from tests.handler_support import (
    ONE_CALL,
    SageMakerScript,
    event,
    generated,
    handler_module,
    properties,
    xgboost_request,
)

SAGEMAKER = handler_module("sagemaker")
ORPHANS = handler_module("orphans")


def test_failed_create_stops_the_started_job(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe_faults(name, [("ThrottlingException", 400)] * SAGEMAKER.CLIENT_MAX_ATTEMPTS)
    sm.stop(name)

    with pytest.raises(handler.HandlerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert "DescribeHyperParameterTuningJob failed for tuning job" in message and name in message
    assert "was stopped" in message
    sm.assert_done()


def test_describe_not_found_right_after_create_is_retried(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe_error(name, "ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name {name}")
    sm.describe(name, "InProgress")

    assert handler.on_event(event("Create"))["PhysicalResourceId"] == name
    sm.assert_done(owned={name})


def shrinking_context(seconds: float, sm: SageMakerScript) -> SimpleNamespace:
    """A Lambda context with ``seconds`` left, less every pause the handler has taken since (its injected sleep)."""
    return SimpleNamespace(get_remaining_time_in_millis=lambda: int((seconds - sum(sm.sleeps.delays)) * 1000))


def test_describe_lag_wait_is_bounded(handler: ModuleType, sm: SageMakerScript) -> None:
    """A created job that describe never sees: 1, 2, 4, 8, 8 s of pauses (at most 30 s), then it is stopped."""
    name = generated(handler)
    sm.create(name)
    sm.describe_lag(name, 6)
    sm.stop(name)

    with pytest.raises(handler.HandlerError, match="ResourceNotFound.*was stopped"):
        handler.on_event(event("Create"))

    assert sm.sleeps.delays == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert sum(sm.sleeps.delays) <= ORPHANS.VISIBILITY_WAIT_SECONDS == 30.0
    sm.assert_done()


def test_describe_lag_wait_stops_before_the_lambda_deadline(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe_lag(name, 4)  # after pauses of 1, 2 and 4 s, an 8 s pause and one more call would pass the deadline
    sm.stop(name)

    with pytest.raises(handler.HandlerError, match="was stopped"):
        handler.on_event(event("Create"), shrinking_context(ONE_CALL + 8, sm))

    assert sm.sleeps.delays == [1.0, 2.0, 4.0]
    sm.assert_done()


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_an_event_without_time_to_confirm_starts_nothing(
    handler: ModuleType, sm: SageMakerScript, request_type: str
) -> None:
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    if request_type == "Create":
        evt, name = event("Create"), generated(handler)
    else:
        evt = event("Update", properties(new_request), old=properties(), physical_id=generated(handler))
        name = generated(handler, new_request)
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: int((ONE_CALL - 0.5) * 1000))

    with pytest.raises(handler.HandlerError) as raised:
        handler.on_event(evt, context)

    message = str(raised.value)
    assert "Only 139.5 s of this invocation are left (after a 10 s margin)" in message
    assert "less than one SageMaker call may take (140 s with every retry)" in message
    assert f"Nothing was started; tuning job '{name}' was not created" in message
    assert sm.stubber.requests == []  # not one SageMaker request
    # With one call's worth of time, the same event goes ahead.
    sm.create(name, None if request_type == "Create" else new_request)
    sm.describe(name, "InProgress")
    evt = {**evt, "RequestId": "another-request"}
    at_the_limit = SimpleNamespace(get_remaining_time_in_millis=lambda: int(ONE_CALL * 1000))
    assert handler.on_event(evt, at_the_limit)["PhysicalResourceId"] == name
    sm.assert_done(owned={name})
