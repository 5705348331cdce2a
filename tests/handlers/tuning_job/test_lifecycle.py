"""Tests of ``tuning_job.lifecycle``: Create, Update and Delete of the tuning job (``on_event``), against a stubbed
SageMaker client (botocore Stubber, every call with ``expected_params``).
"""

from __future__ import annotations

import glob
import json
import logging
import re
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.handler_support import (
    CREATE_FAILED_MARKER,
    NOW,
    PREFIX,
    ROOT,
    TUNED,
    SageMakerScript,
    after_on_event,
    best_training_job,
    event,
    generated,
    job_arn,
    properties,
    xgboost_request,
)


def cfn_result(result: dict[str, Any]) -> dict[str, Any]:
    """What CloudFormation gets of an onEvent result (the handler's state for is_complete left out)."""
    return {key: value for key, value in result.items() if key != "SageMakerHpoState"}


def started_job(result: dict[str, Any]) -> bool:
    """Whether the onEvent result says this event started the job."""
    return bool(result["SageMakerHpoState"]["startedJob"] == "true")


def test_create_with_generated_name(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe(name, "InProgress")

    result = handler.on_event(event("Create"))

    assert cfn_result(result) == {
        "PhysicalResourceId": name,
        "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)},
    }
    sm.assert_done(owned={name})


def test_create_with_fixed_name(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.create("my-tuning-job")
    sm.describe("my-tuning-job", "InProgress")

    result = handler.on_event(event("Create", properties(name="my-tuning-job")))

    assert result["PhysicalResourceId"] == "my-tuning-job"
    assert result["Data"]["TuningJobArn"] == job_arn("my-tuning-job")
    sm.assert_done(owned={"my-tuning-job"})


def test_retried_create_adopts_the_existing_job(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.create(name)
    sm.describe(name, "InProgress")
    sm.create_exists(name)
    sm.describe(name, "InProgress")
    sm.list_tags(name)

    first = handler.on_event(event("Create"))
    second = handler.on_event(event("Create"))

    assert cfn_result(first) == cfn_result(second)
    assert started_job(first) and not started_job(second)  # the second Create adopted the first one's job
    assert sm.created == [name]  # one job, not two
    sm.assert_done(owned={name})


def test_fixed_name_taken_by_a_different_job_is_not_adopted(handler: ModuleType, sm: SageMakerScript) -> None:
    other = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxNumberOfTrainingJobs": 50})
    sm.seed("shared-name", "InProgress", other)
    sm.create_exists("shared-name")
    sm.describe("shared-name", "InProgress")
    sm.list_tags("shared-name")

    with pytest.raises(handler.HandlerError, match="already exists with a different configuration"):
        handler.on_event(event("Create", properties(name="shared-name")))

    assert sm.stopped == []  # somebody else's job is left alone
    sm.assert_done(owned={"shared-name"})


@pytest.mark.parametrize("status", ["Stopping", "Stopped", "Failed"])
def test_create_never_adopts_a_job_that_will_not_run_again(
    handler: ModuleType, sm: SageMakerScript, status: str
) -> None:
    """The resource was removed (its Delete stopped the job) and added again with the same request."""
    name = generated(handler)
    sm.seed(name, status)
    sm.create_exists(name)
    sm.describe(name, status)
    sm.list_tags(name)

    with pytest.raises(handler.HandlerError) as raised:
        handler.on_event(event("Create"))

    message = str(raised.value)
    assert f"Tuning job '{name}' for this configuration already exists from an earlier deployment" in message
    assert f"is no longer running (status {status})" in message and "it was not adopted" in message
    assert "change any property of the TuningJob (a tag, for example) so that the generated name changes" in message
    assert sm.created == [] and sm.stopped == []
    sm.assert_done()


def test_create_with_a_fixed_name_never_adopts_its_stopped_job(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("my-tuning-job", "Stopped")
    sm.create_exists("my-tuning-job")
    sm.describe("my-tuning-job", "Stopped")
    sm.list_tags("my-tuning-job")

    with pytest.raises(handler.HandlerError, match="To run this configuration again, set a new TuningJobName"):
        handler.on_event(event("Create", properties(name="my-tuning-job")))
    sm.assert_done()


def test_create_adopts_its_completed_job_with_a_warning(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    name = generated(handler)
    sm.seed(name, "Completed")
    sm.create_exists(name)
    sm.describe(name, "Completed")
    sm.list_tags(name)

    with caplog.at_level(logging.WARNING, logger="sagemaker_hpo.tuning_job"):
        result = handler.on_event(event("Create"))

    assert result["PhysicalResourceId"] == name and not started_job(result)
    assert "adopted a job that finished earlier" in caplog.text and '"status": "Completed"' in caplog.text
    sm.assert_done()


def test_rollback_ignores_old_properties_it_cannot_read(handler: ModuleType, sm: SageMakerScript) -> None:
    """The job of the failed Update is looked for only when the old properties give a name."""
    name = generated(handler)
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress")

    result = handler.on_event(
        event("Update", properties(), old={"Request": "not json", "NamePrefix": PREFIX}, physical_id=name)
    )

    assert result["PhysicalResourceId"] == name
    sm.assert_done(owned={name})


def test_update_with_changed_request_replaces_the_job(handler: ModuleType, sm: SageMakerScript) -> None:
    old_name = generated(handler)
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new_name = generated(handler, new_request)
    sm.seed(old_name, "InProgress")
    sm.create(new_name, new_request)
    sm.describe(new_name, "InProgress")

    result = handler.on_event(event("Update", properties(new_request), old=properties(), physical_id=old_name))

    assert result["PhysicalResourceId"] == new_name != old_name
    # The old job keeps running until CloudFormation sends Delete for the old id (cleanup phase).
    sm.assert_done(owned={old_name, new_name})


def test_update_changing_only_wait_keeps_the_job(handler: ModuleType, sm: SageMakerScript) -> None:
    name = generated(handler)
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(TUNED))
    sm.describe(name, "Completed", best=best_training_job(TUNED))  # is_complete reads the finished job once
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(wait=False), physical_id=name)

    result = handler.on_event(evt)
    done = handler.is_complete(after_on_event(evt, result))

    assert result["PhysicalResourceId"] == name
    assert result["Data"]["BestHyperparameters"] == json.dumps(TUNED, sort_keys=True, separators=(",", ":"))
    assert done["IsComplete"] is True and done["Data"] == result["Data"]
    assert sm.created == []
    sm.assert_done()


def test_update_turning_on_wait_waits_for_the_running_job(handler: ModuleType, sm: SageMakerScript) -> None:
    """WaitForCompletion false -> true on a job still InProgress: the deployment waits for it (GetAtt needs it)."""
    name = generated(handler)
    sm.seed(name, "InProgress")
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=600))
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(wait=False), physical_id=name)

    result = handler.on_event(evt)
    waiting = after_on_event(evt, result)
    sm.describe(name, "InProgress", created=NOW - timedelta(seconds=600))
    first = handler.is_complete(waiting)
    sm.describe(name, "Completed", best=best_training_job(TUNED, name="hpo-demo-017"))
    second = handler.is_complete(waiting)

    assert cfn_result(result) == {
        "PhysicalResourceId": name,
        "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)},
    }
    assert first == {"IsComplete": False}
    assert second["IsComplete"] is True
    assert second["Data"]["BestTrainingJobName"] == "hpo-demo-017"
    assert json.loads(second["Data"]["BestHyperparameters"]) == TUNED
    assert sm.created == [] and sm.stopped == []
    sm.assert_done()


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_update_turning_on_wait_for_a_job_that_did_not_complete_fails(
    handler: ModuleType, sm: SageMakerScript, status: str
) -> None:
    name = generated(handler)
    sm.seed(name, status)
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(wait=False), physical_id=name)
    sm.describe(name, status, failure_reason="ClientError: No training job succeeded")
    result = handler.on_event(evt)
    sm.describe(name, status, failure_reason="ClientError: No training job succeeded")

    with pytest.raises(handler.HandlerError, match=f"ended with status {status}: ClientError"):
        handler.is_complete(after_on_event(evt, result))
    sm.assert_done()


def test_update_of_a_job_already_waited_for_does_not_wait_again(handler: ModuleType, sm: SageMakerScript) -> None:
    """Old and new properties both wait (only WaitTimeoutSeconds changed): is_complete makes no call."""
    name = generated(handler)
    sm.seed(name, "Completed")
    sm.describe(name, "Completed", best=best_training_job(TUNED))
    evt = event(
        "Update", properties(wait=True, timeout=1800), old=properties(wait=True, timeout=3300), physical_id=name
    )

    result = handler.on_event(evt)
    done = handler.is_complete(after_on_event(evt, result))

    assert done == {"IsComplete": True, "Data": result["Data"]}
    assert json.loads(done["Data"]["BestHyperparameters"]) == TUNED
    sm.assert_done()


def test_update_with_fixed_name_and_changed_request_is_refused(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("my-tuning-job", "InProgress")
    sm.describe("my-tuning-job", "InProgress")
    sm.list_tags("my-tuning-job")
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    evt = event(
        "Update",
        properties(new_request, name="my-tuning-job"),
        old=properties(name="my-tuning-job"),
        physical_id="my-tuning-job",
    )

    with pytest.raises(handler.PropertyError) as raised:
        handler.on_event(evt)

    message = str(raised.value)
    assert "immutable" in message and "'my-tuning-job'" in message
    assert "Change tuning_job_name" in message and "remove it" in message
    assert sm.created == [] and sm.stopped == []
    sm.assert_done(owned={"my-tuning-job"})


def test_rollback_update_adopts_the_old_job_and_delete_stops_the_new_one(
    handler: ModuleType, sm: SageMakerScript
) -> None:
    old_name = generated(handler)
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new_name = generated(handler, new_request)
    sm.seed(old_name, "InProgress")
    sm.seed(new_name, "InProgress", new_request)
    # Rollback: CloudFormation sends the OLD properties with the NEW physical id.
    sm.create_exists(old_name)
    sm.describe(old_name, "InProgress")
    sm.list_tags(old_name)
    sm.describe(new_name, "InProgress")
    sm.list_tags(new_name)
    sm.stop(new_name)

    rollback = handler.on_event(event("Update", properties(), old=properties(new_request), physical_id=new_name))
    handler.on_event(event("Delete", properties(new_request), physical_id=new_name))

    assert rollback["PhysicalResourceId"] == old_name
    assert sm.created == [] and sm.stopped == [new_name]
    sm.assert_done(owned={old_name})


@pytest.mark.parametrize("status", ["InProgress", "Completed"])
def test_rollback_with_wait_adopts_the_old_job_as_before(
    handler: ModuleType, sm: SageMakerScript, status: str, caplog: pytest.LogCaptureFixture
) -> None:
    old_name = generated(handler)
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new_name = generated(handler, new_request)
    sm.seed(old_name, status)
    sm.seed(new_name, "Failed", new_request)
    sm.create_exists(old_name)
    sm.describe(old_name, status)
    sm.list_tags(old_name)

    with caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"):
        rollback = handler.on_event(
            event("Update", properties(wait=True), old=properties(new_request, wait=True), physical_id=new_name)
        )

    assert not started_job(rollback)
    assert cfn_result(rollback) == {
        "PhysicalResourceId": old_name,
        "Data": {"TuningJobName": old_name, "TuningJobArn": job_arn(old_name)},
    }
    assert "stopped earlier" not in caplog.text
    sm.assert_done(owned={old_name})


def revert_event(handler: ModuleType, *, wait: bool, name: str | None = None) -> tuple[dict[str, Any], str, str]:
    """A -> B -> A: the Update back to A (whose job the cleanup of A -> B stopped), from B's physical id."""
    b_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    a_name = name or generated(handler)
    b_name = (name + "-b") if name else generated(handler, b_request)
    evt = event(
        "Update",
        properties(wait=wait, name=name),
        old=properties(b_request, wait=wait, name=b_name if name else None),
        physical_id=b_name,
    )
    return evt, a_name, b_name


def test_revert_to_a_stopped_configuration_fails_when_waiting(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    evt, a_name, b_name = revert_event(handler, wait=True)
    sm.seed(a_name, "Stopped")
    sm.seed(b_name, "InProgress")
    sm.create_exists(a_name)
    sm.describe(a_name, "Stopped")
    sm.list_tags(a_name)

    with (
        caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"),
        pytest.raises(handler.HandlerError) as raised,
    ):
        handler.on_event(evt)

    message = str(raised.value)
    assert f"Tuning job '{a_name}' for this configuration already exists and was stopped earlier" in message
    assert "cannot wait for it to complete" in message
    assert "change any property of the TuningJob (a tag, for example) so that the generated name changes" in message
    assert "tuning_job_name" in message
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "stopped earlier" in r.getMessage()]
    assert len(warnings) == 1
    assert sm.created == [] and sm.stopped == []
    sm.assert_done(owned={b_name})


def test_revert_to_a_stopped_configuration_with_a_fixed_name(handler: ModuleType, sm: SageMakerScript) -> None:
    evt, a_name, b_name = revert_event(handler, wait=True, name="my-tuning-job")
    sm.seed(a_name, "Stopped")
    sm.create_exists(a_name)
    sm.describe(a_name, "Stopped")
    sm.list_tags(a_name)

    with pytest.raises(handler.HandlerError, match="To run this configuration again, set a new TuningJobName"):
        handler.on_event(evt)
    sm.assert_done()


def test_revert_to_a_stopped_configuration_without_waiting_adopts_it(
    handler: ModuleType, sm: SageMakerScript, caplog: pytest.LogCaptureFixture
) -> None:
    evt, a_name, b_name = revert_event(handler, wait=False)
    sm.seed(a_name, "Stopped")
    sm.seed(b_name, "InProgress")
    sm.create_exists(a_name)
    sm.describe(a_name, "Stopped")
    sm.list_tags(a_name)

    with caplog.at_level(logging.INFO, logger="sagemaker_hpo.tuning_job"):
        result = handler.on_event(evt)
    done = handler.is_complete(after_on_event(evt, result))

    assert cfn_result(result) == {
        "PhysicalResourceId": a_name,
        "Data": {"TuningJobName": a_name, "TuningJobArn": job_arn(a_name)},
    }
    assert done == {"IsComplete": True, "Data": result["Data"]}
    warnings = [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.levelno == logging.WARNING and "stopped earlier" in r.getMessage()
    ]
    assert warnings and warnings[0]["job"] == a_name and warnings[0]["status"] == "Stopped"
    assert sm.created == []
    sm.assert_done(owned={b_name})


def test_delete_stops_a_running_job(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.stop("hpo-demo-1")

    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    sm.assert_done()


@pytest.mark.parametrize("status", ["Stopping", "Completed", "Failed", "Stopped", "Deleting"])
def test_delete_of_a_finished_job_calls_no_stop(handler: ModuleType, sm: SageMakerScript, status: str) -> None:
    sm.seed("hpo-demo-1", status)
    sm.describe("hpo-demo-1", status)

    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    assert sm.stopped == []
    sm.assert_done()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ResourceNotFound", "Amazon SageMaker can't find a tuning job with name hpo-demo-1"),
        ("ValidationException", "Requested resource hpo-demo-1 does not exist"),
    ],
    ids=["resource-not-found", "validation-does-not-exist"],
)
def test_delete_of_a_missing_job_succeeds(handler: ModuleType, sm: SageMakerScript, code: str, message: str) -> None:
    sm.describe_error("hpo-demo-1", code, message)
    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    sm.assert_done()


@pytest.mark.parametrize(
    "physical_id",
    [CREATE_FAILED_MARKER, "3f1e9a5c-2b7d-4c1e-9f0a-6d5b4c3a2f10-extra", "", "x" * 33],
    ids=["framework-marker", "request-id", "empty", "too-long"],
)
def test_delete_with_a_non_job_physical_id_does_nothing(
    handler: ModuleType, sm: SageMakerScript, physical_id: str
) -> None:
    assert handler.on_event(event("Delete", physical_id=physical_id)) == {"PhysicalResourceId": physical_id}
    sm.assert_done()


def test_create_failed_marker_is_the_provider_frameworks_own() -> None:
    """The marker the tests use is the one the installed aws-cdk-lib's Provider framework really sends."""
    pattern = "*/*/custom-resources/lib/provider-framework/runtime/cfn-response.js"
    sources = sorted(glob.glob(str(ROOT / ".cache" / "jsii" / "aws-cdk-lib" / pattern)))
    if not sources:
        pytest.skip("aws-cdk-lib's JavaScript is not in .cache/jsii (run a synth first)")
    text = Path(sources[-1]).read_text()
    found = re.search(r'CREATE_FAILED_PHYSICAL_ID_MARKER\s*=\s*"([^"]+)"', text)
    assert found, "CREATE_FAILED_PHYSICAL_ID_MARKER not found in the Provider framework's runtime"
    assert CREATE_FAILED_MARKER == found.group(1)


def test_delete_when_the_job_finishes_before_stop(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.seed("hpo-demo-1", "InProgress")
    sm.describe("hpo-demo-1", "InProgress")
    sm.list_tags("hpo-demo-1")
    sm.finish("hpo-demo-1", "Completed")
    sm.stop_error("hpo-demo-1", "ValidationException", "The request was rejected because the job is not in progress.")

    assert handler.on_event(event("Delete", physical_id="hpo-demo-1")) == {"PhysicalResourceId": "hpo-demo-1"}
    sm.assert_done()


def test_delete_with_permanent_describe_error_fails(handler: ModuleType, sm: SageMakerScript) -> None:
    sm.describe_error(
        "hpo-demo-1", "AccessDeniedException", "not authorized to perform DescribeHyperParameterTuningJob"
    )
    with pytest.raises(
        handler.SageMakerError, match="DescribeHyperParameterTuningJob failed for tuning job 'hpo-demo-1'"
    ):
        handler.on_event(event("Delete", physical_id="hpo-demo-1"))
    assert sm.sleeps.delays == []
    sm.assert_done()
