"""Tests of ``tuning_job.waiting``: ``is_complete`` polls the job, fails with SageMaker's reason, and stops a job that
does not finish within its timeout.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import ModuleType

import pytest

from tests.handler_support import (
    LOGICAL_ID,
    NOW,
    PREFIX,
    STACK_ID,
    TUNED,
    SageMakerScript,
    after_on_event,
    best_training_job,
    created_event,
    event,
    handler_module,
    job_arn,
    properties,
    xgboost_request,
)

PROPERTIES = handler_module("properties")


def test_not_waiting_is_complete_at_once(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, wait=False)
    assert handler.is_complete(evt) == {"IsComplete": True, "Data": evt["Data"]}
    assert handler.is_complete(event("Delete", physical_id="hpo-demo-1")) == {"IsComplete": True}
    sm.assert_done()


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_wait_in_progress(handler: ModuleType, sm: SageMakerScript, status: str) -> None:
    evt = created_event(handler)
    sm.seed(evt["PhysicalResourceId"], status)
    sm.describe(evt["PhysicalResourceId"], status, created=NOW - timedelta(seconds=600))

    assert handler.is_complete(evt) == {"IsComplete": False}  # no Data: the framework rejects it when incomplete
    sm.assert_done(owned={evt["PhysicalResourceId"]})


def test_wait_completed_returns_the_best_training_job(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(TUNED, value=0.9731, name="hpo-demo-017"))

    result = handler.is_complete(evt)

    assert result["IsComplete"] is True
    data = result["Data"]
    assert data["TuningJobName"] == name and data["TuningJobArn"] == job_arn(name)
    assert data["BestTrainingJobName"] == "hpo-demo-017"
    assert data["BestObjectiveValue"] == "0.9731"
    assert json.loads(data["BestHyperparameters"]) == TUNED
    assert " " not in data["BestHyperparameters"]
    for key, value in TUNED.items():
        assert data[f"BestHyperparameter.{key}"] == value
    assert all(isinstance(value, str) for value in data.values())
    sm.assert_done()


def test_wait_completed_prefers_the_overall_best_training_job(handler: ModuleType, sm: SageMakerScript) -> None:
    """A warm start of type IdenticalDataAndAlgorithm reports the best across parents and child as the overall best."""
    parent = "hpo-demo-parent"
    request = xgboost_request(
        WarmStartConfig={
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": parent}],
            "WarmStartType": "IdenticalDataAndAlgorithm",
        }
    )
    name = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, request)
    evt = event("Create", properties(request, wait=True))
    sm.create(name, request)
    sm.describe(name, "InProgress")
    result = handler.on_event(evt)
    own = best_training_job({"eta": "0.4"}, value=0.91, name="hpo-demo-child-003")
    overall = best_training_job({"eta": "0.25", "max_depth": "7"}, value=0.97, name="hpo-demo-parent-011")
    sm.describe(name, "Completed", best=own, overall_best=overall)

    data = handler.is_complete(after_on_event(evt, result))["Data"]

    assert data["BestTrainingJobName"] == "hpo-demo-parent-011"
    assert data["BestObjectiveValue"] == "0.97"
    assert json.loads(data["BestHyperparameters"]) == {"eta": "0.25", "max_depth": "7"}
    assert data["BestHyperparameter.max_depth"] == "7"
    sm.assert_done()


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_wait_failed_or_stopped_raises_sagemakers_reason(handler: ModuleType, sm: SageMakerScript, status: str) -> None:
    evt = created_event(handler)
    name = evt["PhysicalResourceId"]
    sm.seed(name, status)
    sm.describe(name, status, failure_reason="ClientError: No training job succeeded: AlgorithmError")

    with pytest.raises(handler.HandlerError) as raised:
        handler.is_complete(evt)

    message = str(raised.value)
    assert f"Tuning job '{name}' ended with status {status}" in message
    assert "No training job succeeded: AlgorithmError" in message
    assert sm.stopped == []
    sm.assert_done()


def test_wait_timeout_stops_the_job(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=1800)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=1800))
    sm.stop(name)

    with pytest.raises(handler.HandlerError) as raised:
        handler.is_complete(evt)

    message = str(raised.value)
    assert f"Tuning job '{name}' did not finish within the deployment's wait window" in message
    assert "WaitTimeoutSeconds=1800" in message and "was stopped" in message
    assert "shorter max_runtime" in message and "wait_for_completion=False" in message
    assert "wait_timeout" not in message  # the construct has no such option
    sm.assert_done()


def test_wait_timeout_of_a_stopping_job_calls_no_stop(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=1800)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "Stopping")
    sm.describe(name, "Stopping", created=NOW - timedelta(seconds=1900))

    with pytest.raises(handler.HandlerError, match="wait window.*is already stopping. Give the TuningJob a shorter"):
        handler.is_complete(evt)
    assert sm.stopped == []
    sm.assert_done()


def test_wait_just_before_timeout_keeps_waiting(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=1800)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=1799))
    assert handler.is_complete(evt) == {"IsComplete": False}
    sm.assert_done(owned={name})


def test_wait_timeout_is_capped_below_the_provider_ceiling(handler: ModuleType, sm: SageMakerScript) -> None:
    evt = created_event(handler, timeout=7200)
    name = evt["PhysicalResourceId"]
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=handler.contract.MAX_WAIT_TIMEOUT_SECONDS))
    sm.stop(name)
    with pytest.raises(handler.HandlerError, match=f"WaitTimeoutSeconds={handler.contract.MAX_WAIT_TIMEOUT_SECONDS}"):
        handler.is_complete(evt)
    sm.assert_done()
