"""Tests of ``job_waiter.index`` as the ``CheckFinished`` custom resource: a job that ended before the rule existed is
signalled, a running one is left to its event, Delete calls nothing.
"""

from __future__ import annotations

from botocore.stub import Stubber

from tests.handlers.job_waiter.support import (
    JOB,
    REASON,
    cfn_event,
    cfn_response,
    contract,
    describe_response,
    handle_url,
    signals,
    waiter,
)


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
