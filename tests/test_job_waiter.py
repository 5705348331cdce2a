"""The job waiter function (``lambda/job_waiter``), loaded as Lambda loads it: the package ``job_waiter`` from the
task root. SageMaker is a botocore Stubber; the pre-signed URLs (the wait condition handle, CloudFormation's
ResponseURL) are served by a local HTTP server on 127.0.0.1 that records every PUT.

The events are the shape of the SageMaker developer guide's "SageMaker HyperParameter Tuning Job State Change" sample
(``detail`` carries the job's name, ARN, status, counters and training job definition, never a FailureReason), passed
through the rule's input transformer exactly as the synthesized template declares it.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import aws_cdk as cdk
import boto3
import pytest
from aws_cdk.assertions import Template
from botocore.stub import Stubber

from tests.construct_support import job, new_stack

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = ROOT / "lambda" / "job_waiter"
JOB = "hpo-demo-3f2a9c1b7d4e"
JOB_ARN = f"arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/{JOB}"
BEST = f"{JOB}-017-5e8a2b1c"
REASON = "ClientError: Failed to download data. The specified key train/data.csv does not exist."


def load_waiter() -> ModuleType:
    """``job_waiter.index``, the package loaded by file path under its Lambda name (``lambda`` is a keyword)."""
    if "job_waiter" not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            "job_waiter", PACKAGE_DIR / "__init__.py", submodule_search_locations=[str(PACKAGE_DIR)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules["job_waiter"] = package
        spec.loader.exec_module(package)
    return importlib.import_module("job_waiter.index")


waiter = load_waiter()
contract = waiter.contract


# -- a local stand-in for S3's pre-signed URLs ----------------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    """Records each PUT (path, Content-Type, JSON body) and answers with the status set for its path (default 200)."""

    puts: list[tuple[str, str | None, dict[str, Any]]] = []
    statuses: dict[str, int] = {}

    def do_PUT(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        Recorder.puts.append((self.path, self.headers.get("Content-Type"), body))
        status = Recorder.statuses.get(self.path.split("?")[0], 200)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    Recorder.puts.clear()
    Recorder.statuses.clear()
    waiter.reset()
    yield
    waiter.reset()


@pytest.fixture
def sagemaker() -> Iterator[Stubber]:
    client = boto3.client(
        "sagemaker",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        waiter.set_client(client)
        waiter.set_sleep(lambda seconds: None)
        yield stubber
        stubber.assert_no_pending_responses()


def handle_url(server: str, name: str = "handle") -> str:
    """A pre-signed-looking URL of the local server (query string as CloudFormation's handles carry)."""
    return f"{server}/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=0123abcd"


# -- SageMaker's state-change events, through the synthesized rule's input transformer ---------------------------


def sample_event(status: str, name: str = JOB) -> dict[str, Any]:
    """A "SageMaker HyperParameter Tuning Job State Change" event (the developer guide's sample, this job)."""
    return {
        "version": "0",
        "id": "9ed8f3e9-d5e6-4a35-b1cd-2bdfaa3a4f9b",
        "detail-type": "SageMaker HyperParameter Tuning Job State Change",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "time": "2026-12-06T12:26:13Z",
        "region": "us-east-1",
        "resources": [JOB_ARN],
        "detail": {
            "HyperParameterTuningJobName": name,
            "HyperParameterTuningJobArn": JOB_ARN,
            "TrainingJobDefinition": {
                "StaticHyperParameters": {"num_round": "100", "objective": "binary:logistic"},
                "AlgorithmSpecification": {
                    "TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1",
                    "TrainingInputMode": "File",
                },
                "RoleArn": "arn:aws:iam::123456789012:role/hpo-demo-sagemaker",
                "OutputDataConfig": {"S3OutputPath": "s3://my-data/output/"},
                "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
                "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            },
            "HyperParameterTuningJobStatus": status,
            "CreationTime": 1765023973000,
            "LastModifiedTime": 1765031173000,
            "TrainingJobStatusCounters": {
                "Completed": 19,
                "InProgress": 0,
                "RetryableError": 0,
                "NonRetryableError": 1,
                "Stopped": 0,
            },
            "ObjectiveStatusCounters": {"Succeeded": 19, "Pending": 0, "Failed": 1},
            "Tags": {},
        },
    }


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


def rule_input(transformer: dict[str, Any], event: dict[str, Any], url: str) -> dict[str, Any]:
    """What EventBridge passes the function: the template filled with the event's paths and the handle's URL."""
    template = transformer["transformer"]["InputTemplate"]
    if isinstance(template, dict):  # Fn::Join with the handle's Ref
        _, parts = template["Fn::Join"]
        template = "".join(url if part == {"Ref": transformer["handle"]} else part for part in parts)
    for key, path in transformer["transformer"]["InputPathsMap"].items():
        value: Any = event
        for step in path.removeprefix("$.").split("."):
            value = value[step]
        template = template.replace(f"<{key}>", json.dumps(value))
    result: dict[str, Any] = json.loads(template)
    return result


def signals(path: str = "/handle") -> list[dict[str, Any]]:
    return [body for put_path, _, body in Recorder.puts if put_path.split("?")[0] == path]


def describe_response(status: str, **extra: Any) -> dict[str, Any]:
    created = datetime(2026, 12, 6, 12, 0, tzinfo=timezone.utc)
    response: dict[str, Any] = {
        "HyperParameterTuningJobName": JOB,
        "HyperParameterTuningJobArn": JOB_ARN,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxParallelTrainingJobs": 2, "MaxNumberOfTrainingJobs": 20},
        },
        "HyperParameterTuningJobStatus": status,
        "CreationTime": created,
        "TrainingJobStatusCounters": {"Completed": 19, "NonRetryableError": 1},
        "ObjectiveStatusCounters": {"Succeeded": 19, "Failed": 1},
    }
    response.update(extra)
    return response


def best_summary(name: str = BEST, value: float = 0.9412, tuned: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": tuned or {"eta": "0.21", "max_depth": "6"},
        "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": "validation:auc", "Value": value},
    }


# -- state-change events ------------------------------------------------------------------------------------------


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


# -- the CheckFinished custom resource ----------------------------------------------------------------------------


def cfn_event(server: str, action: str, request_type: str = "Create", **properties: str) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": f"{server}/response?X-Amz-Signature=feed",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/hpo-demo/5b1c2f40",
        "RequestId": "6f1c0a2e-request",
        "LogicalResourceId": "JobWait",
        "ResourceType": "Custom::Test",
        "ResourceProperties": {
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:waiter",
            contract.PROP_ACTION: action,
            contract.PROP_TUNING_JOB_NAME: JOB,
            **properties,
        },
    }


def cfn_response() -> dict[str, Any]:
    (body,) = signals("/response")
    return body


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


# -- the BestTrainingJob custom resource --------------------------------------------------------------------------


def test_best_training_job_returns_name_objective_artifacts_and_hyperparameters(
    server: str, sagemaker: Stubber
) -> None:
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response("Completed", BestTrainingJob=best_summary()),
        {"HyperParameterTuningJobName": JOB},
    )
    sagemaker.add_response(
        "describe_training_job",
        {
            "TrainingJobName": BEST,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{BEST}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://my-data/output/{BEST}/output/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        },
        {"TrainingJobName": BEST},
    )
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    response = cfn_response()
    assert response["Status"] == "SUCCESS"
    assert response["Data"] == {
        "BestTrainingJobName": BEST,
        "BestObjectiveValue": "0.9412",
        "BestModelArtifacts": f"s3://my-data/output/{BEST}/output/model.tar.gz",
        "BestHyperparameters": '{"eta":"0.21","max_depth":"6"}',
        "BestHyperparameter.eta": "0.21",
        "BestHyperparameter.max_depth": "6",
    }
    assert len(json.dumps(response).encode()) <= 4096


def test_best_training_job_prefers_the_overall_best_of_a_warm_start(server: str, sagemaker: Stubber) -> None:
    parent_best = "parent-job-004-aa11bb22"
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response(
            "Completed", BestTrainingJob=best_summary(), OverallBestTrainingJob=best_summary(parent_best, 0.95)
        ),
    )
    sagemaker.add_response(
        "describe_training_job",
        {
            "TrainingJobName": parent_best,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{parent_best}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://parent/{parent_best}/output/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        },
        {"TrainingJobName": parent_best},
    )
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    data = cfn_response()["Data"]
    assert data["BestTrainingJobName"] == parent_best and data["BestObjectiveValue"] == "0.95"


@pytest.mark.parametrize("status", ["Failed", "Stopped"])
def test_best_training_job_of_a_job_that_did_not_complete_fails_with_sagemakers_reason(
    server: str, sagemaker: Stubber, status: str
) -> None:
    sagemaker.add_response("describe_hyper_parameter_tuning_job", describe_response(status, FailureReason=REASON))
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    response = cfn_response()
    assert response["Status"] == "FAILED" and status in response["Reason"] and REASON in response["Reason"]


def test_best_training_job_data_stays_within_the_response_limit(server: str, sagemaker: Stubber) -> None:
    tuned = {f"hyperparameter_{i:02d}": "v" * 200 for i in range(30)}
    sagemaker.add_response(
        "describe_hyper_parameter_tuning_job",
        describe_response("Completed", BestTrainingJob=best_summary(tuned=tuned)),
    )
    sagemaker.add_response(
        "describe_training_job",
        {
            "TrainingJobName": BEST,
            "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{BEST}",
            "ModelArtifacts": {"S3ModelArtifacts": f"s3://my-data/output/{BEST}/output/model.tar.gz"},
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": datetime(2026, 12, 6, 13, 0, tzinfo=timezone.utc),
        },
    )
    waiter.handler(cfn_event(server, contract.ACTION_BEST_TRAINING_JOB))
    response = cfn_response()
    assert response["Status"] == "SUCCESS" and len(json.dumps(response).encode()) <= 4096
    data = response["Data"]
    assert not any(key.startswith("BestHyperparameter.") for key in data)  # all or none of them
    assert data["BestHyperparameters"].endswith("...(truncated)")
    assert data["BestModelArtifacts"].endswith("/output/model.tar.gz")


def test_the_attribute_names_agree_with_the_tuning_job_resource() -> None:
    from sagemaker_hpo._contract import contract as job_contract

    for name in (
        "BEST_TRAINING_JOB_NAME",
        "BEST_OBJECTIVE_VALUE",
        "BEST_HYPERPARAMETERS",
        "BEST_HYPERPARAMETER_PREFIX",
    ):
        assert getattr(contract, f"ATTR_{name}") == getattr(job_contract, f"ATTR_{name}")
