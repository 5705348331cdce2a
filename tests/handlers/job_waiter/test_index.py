"""Tests of ``job_waiter.index``, the function's entry point, through two of its callers.

* SageMaker's state-change events, passed through the long wait's rule input transformer as synthesized: a job that
  ended signals the wait condition handle once (a late signal to a stale handle is dropped, a server error raises so
  that EventBridge retries).
* The ``CheckFinished`` custom resource: a job that ended before the rule existed is signalled, a running one is left
  to its event, Delete calls nothing.

The tests that need the synthesized rule live in this one module (its ``transformer`` fixture), so that a parallel run
(``--dist loadfile``) synthesizes it once.
"""

from __future__ import annotations

import copy
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from botocore.stub import Stubber

from tests.construct_support import job, new_stack
from tests.handlers.job_waiter.support import (
    JOB,
    REASON,
    Recorder,
    cfn_event,
    cfn_response,
    contract,
    describe_response,
    handle_url,
    rule_input,
    sample_event,
    signals,
    waiter,
)


@pytest.fixture(scope="module")
def transformer() -> dict[str, Any]:
    """The input transformer of the long wait's rule, as synthesized, and the handle's logical id."""
    stack = new_stack("WaiterInput")
    job(stack, wait_for_completion=True, max_runtime=cdk.Duration.hours(3))
    template = Template.from_stack(stack).to_json()
    (rule,) = (r for r in template["Resources"].values() if r["Type"] == "AWS::Events::Rule")
    (target,) = rule["Properties"]["Targets"]
    (handle,) = (k for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudFormation::WaitConditionHandle")
    return {"transformer": target["InputTransformer"], "handle": handle}


def test_the_rule_input_carries_the_handle_url_and_the_event_detail(server: str, transformer: dict[str, Any]) -> None:
    url = handle_url(server)
    payload = rule_input(transformer, sample_event("Completed"), url)
    assert payload == {"HandleUrl": url, "Detail": sample_event("Completed")["detail"]}


def test_completed_event_signals_success_once_without_calling_sagemaker(
    server: str, transformer: dict[str, Any], sagemaker: Stubber
) -> None:
    result = waiter.handler(rule_input(transformer, sample_event("Completed"), handle_url(server)))
    assert result == {"signalled": True}
    ((path, content_type, body),) = Recorder.puts
    assert path.startswith("/handle?X-Amz-Algorithm=")  # the pre-signed query string is kept
    assert content_type == ""  # the handle's URL is signed for an empty Content-Type
    assert body == {
        "Status": "SUCCESS",
        "UniqueId": contract.SIGNAL_UNIQUE_ID,
        "Reason": f"Tuning job '{JOB}' completed",
        "Data": JOB,
    }


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_failed_or_stopped_event_signals_failure_with_sagemakers_reason(
    server: str, transformer: dict[str, Any], sagemaker: Stubber, status: str
) -> None:
    reason = REASON if status == "Failed" else "Stopped by the user"
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response(status, FailureReason=reason),
        {"HyperParameterTuningJobName": JOB},
    )
    waiter.handler(rule_input(transformer, sample_event(status), handle_url(server)))
    (body,) = signals()
    assert body["Status"] == "FAILURE" and body["UniqueId"] == contract.SIGNAL_UNIQUE_ID
    assert body["Reason"].startswith(f"Tuning job '{JOB}' ended with status {status}: {reason}")


def test_stopped_job_without_a_reason_still_says_why_the_wait_failed(
    server: str, transformer: dict[str, Any], sagemaker: Stubber
) -> None:
    sagemaker.add_response("describe_hyper_parameter_tuning_job", describe_response("Stopped"))
    waiter.handler(rule_input(transformer, sample_event("Stopped"), handle_url(server)))
    (body,) = signals()
    assert body["Status"] == "FAILURE" and "StopHyperParameterTuningJob" in body["Reason"]


def test_failure_is_signalled_even_when_the_reason_cannot_be_read(
    server: str, transformer: dict[str, Any], sagemaker: Stubber
) -> None:
    sagemaker.add_client_error("describe_hyper_parameter_tuning_job", "ThrottlingException", http_status_code=400)
    waiter.handler(rule_input(transformer, sample_event("Failed"), handle_url(server)))
    (body,) = signals()
    assert body["Status"] == "FAILURE" and "could not be read: ClientError" in body["Reason"]


@pytest.mark.parametrize("status", ["InProgress", "Stopping"])
def test_events_of_a_running_job_signal_nothing(
    server: str, transformer: dict[str, Any], sagemaker: Stubber, status: str
) -> None:
    assert waiter.handler(rule_input(transformer, sample_event(status), handle_url(server))) == {"signalled": False}
    assert Recorder.puts == []


def test_duplicate_events_send_the_same_signal_with_one_unique_id(
    server: str, transformer: dict[str, Any], sagemaker: Stubber
) -> None:
    event = rule_input(transformer, sample_event("Completed"), handle_url(server))
    waiter.handler(copy.deepcopy(event))
    waiter.handler(copy.deepcopy(event))
    first, second = signals()
    assert first == second and first["UniqueId"] == contract.SIGNAL_UNIQUE_ID


@pytest.mark.parametrize("status", [403, 404])
def test_a_late_signal_to_a_stale_handle_is_dropped_without_raising(
    server: str, transformer: dict[str, Any], sagemaker: Stubber, status: int
) -> None:
    Recorder.statuses["/stale"] = status  # the wait ended: the handle's URL expired or its object is gone
    result = waiter.handler(rule_input(transformer, sample_event("Completed"), handle_url(server, "stale")))
    assert result == {"signalled": False}
    assert len(signals("/stale")) == 1


def test_a_server_error_raises_so_that_eventbridge_retries(
    server: str, transformer: dict[str, Any], sagemaker: Stubber
) -> None:
    Recorder.statuses["/flaky"] = 503
    with pytest.raises(waiter.SignalError, match="503"):
        waiter.handler(rule_input(transformer, sample_event("Completed"), handle_url(server, "flaky")))


def test_check_signals_a_job_that_ended_before_the_rule_existed(server: str, sagemaker: Stubber) -> None:
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response("Failed", FailureReason=REASON),
        {"HyperParameterTuningJobName": JOB},
    )
    event = cfn_event(server, contract.ACTION_CHECK_FINISHED, HandleUrl=handle_url(server))
    waiter.handler(event)
    (signal,) = signals()
    assert signal["Status"] == "FAILURE" and REASON in signal["Reason"]
    response = cfn_response()
    assert response["Status"] == "SUCCESS"  # the wait condition fails the deployment, with the reason
    assert response["PhysicalResourceId"] == f"{contract.ACTION_CHECK_FINISHED}:{JOB}"
    assert (response["StackId"], response["RequestId"], response["LogicalResourceId"]) == (
        event["StackId"],
        event["RequestId"],
        "JobWait",
    )


def test_check_leaves_a_running_job_to_its_event(server: str, sagemaker: Stubber) -> None:
    sagemaker.add_response("describe_hyper_parameter_tuning_job", describe_response("InProgress"))
    waiter.handler(cfn_event(server, contract.ACTION_CHECK_FINISHED, HandleUrl=handle_url(server)))
    assert signals() == []
    assert cfn_response()["Status"] == "SUCCESS"


def test_check_waits_for_its_describe_permission_to_propagate(server: str, sagemaker: Stubber) -> None:
    slept: list[float] = []
    waiter.set_sleep(slept.append)
    for _ in range(2):
        sagemaker.add_client_error("describe_hyper_parameter_tuning_job", "AccessDeniedException", http_status_code=400)
    sagemaker.add_response("describe_hyper_parameter_tuning_job", describe_response("Completed"))
    waiter.handler(cfn_event(server, contract.ACTION_CHECK_FINISHED, HandleUrl=handle_url(server)))
    assert len(slept) == 2
    assert [s["Status"] for s in signals()] == ["SUCCESS"]
    assert cfn_response()["Status"] == "SUCCESS"


def test_check_of_a_missing_job_fails_the_resource_with_the_reason(server: str, sagemaker: Stubber) -> None:
    sagemaker.add_client_error(
        "describe_hyper_parameter_tuning_job", "ResourceNotFound", "Amazon SageMaker can't find a tuning job"
    )
    waiter.handler(cfn_event(server, contract.ACTION_CHECK_FINISHED, HandleUrl=handle_url(server)))
    response = cfn_response()
    assert response["Status"] == "FAILED" and "can't find a tuning job" in response["Reason"]
    assert signals() == []


def test_delete_answers_at_once_and_calls_nothing(server: str, sagemaker: Stubber) -> None:
    event = cfn_event(server, contract.ACTION_CHECK_FINISHED, "Delete", HandleUrl=handle_url(server))
    event["PhysicalResourceId"] = "CheckFinished:old-job"
    waiter.handler(event)
    assert cfn_response()["Status"] == "SUCCESS" and cfn_response()["PhysicalResourceId"] == "CheckFinished:old-job"
    assert signals() == []
