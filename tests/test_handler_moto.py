"""HTTP round trip: the handler's own boto3 client talks to a local moto server (``AWS_ENDPOINT_URL``).

Moto stores the JSON it receives and echoes it on describe, so the types read back are the types the handler sent.
Moto's tuning jobs are ``Completed`` at once, raises ``ResourceInUse`` for a duplicate name, and does not implement
StopHyperParameterTuningJob (HTTP 500): a Delete that called Stop on a completed job would fail here.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.handler_support import (
    LOGICAL_ID,
    PREFIX,
    STACK_ID,
    after_on_event,
    assert_same_types,
    event,
    handler_module,
    load_handler,
    properties,
    xgboost_request,
)

PROPERTIES = handler_module("properties")
SAGEMAKER = handler_module("sagemaker")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free local port for this module."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def handler(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The handler with a fresh (lazily created) client pointed at moto, and a clean moto state."""
    urllib.request.urlopen(urllib.request.Request(f"{moto_endpoint}/moto-api/reset", method="POST"), timeout=10)
    for key, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_ENDPOINT_URL_SAGEMAKER", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    module = load_handler()
    module.reset()
    module.set_sleep(lambda _seconds: None)
    yield module
    module.reset()


@pytest.fixture
def sagemaker(handler: ModuleType, moto_endpoint: str) -> Any:
    """A separate client, used to look at what the handler did."""
    return boto3.client("sagemaker", endpoint_url=moto_endpoint, region_name="us-east-1")


def record_calls(handler: ModuleType) -> list[str]:
    """Record the operation names the handler's client sends."""
    calls: list[str] = []
    SAGEMAKER.client().meta.events.register("before-call.sagemaker.*", lambda model, **_: calls.append(model.name))
    return calls


def test_create_sends_the_api_types_over_http(handler: ModuleType, sagemaker: Any) -> None:
    result = handler.on_event(event("Create"))

    name = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, xgboost_request())
    assert result["PhysicalResourceId"] == name
    described = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
    assert result["Data"] == {"TuningJobName": name, "TuningJobArn": described["HyperParameterTuningJobArn"]}
    expected = xgboost_request()
    config = described["HyperParameterTuningJobConfig"]
    assert_same_types(expected["HyperParameterTuningJobConfig"], config, "HyperParameterTuningJobConfig")
    assert_same_types(expected["TrainingJobDefinition"], described["TrainingJobDefinition"], "TrainingJobDefinition")
    # Spot checks of the types that matter most (assert_same_types already compared everything).
    assert config["ResourceLimits"] == {
        "MaxNumberOfTrainingJobs": 20,
        "MaxParallelTrainingJobs": 5,
        "MaxRuntimeInSeconds": 7200,
    }
    assert type(config["ResourceLimits"]["MaxParallelTrainingJobs"]) is int
    assert config["StrategyConfig"]["HyperbandStrategyConfig"] == {"MinResource": 10, "MaxResource": 100}
    assert type(config["TuningJobCompletionCriteria"]["TargetObjectiveMetricValue"]) is float
    assert config["ParameterRanges"]["ContinuousParameterRanges"][0] == {
        "Name": "eta",
        "MinValue": "0",
        "MaxValue": "1",
        "ScalingType": "Auto",
    }
    assert described["TrainingJobDefinition"]["ResourceConfig"]["InstanceCount"] == 1
    assert described["TrainingJobDefinition"]["EnableManagedSpotTraining"] is True
    assert described["TrainingJobDefinition"]["EnableNetworkIsolation"] is False


def test_waiting_create_then_delete_of_a_completed_job(handler: ModuleType, sagemaker: Any) -> None:
    evt = event("Create", properties(wait=True, timeout=600))
    created = handler.on_event(evt)
    calls = record_calls(handler)

    done = handler.is_complete(after_on_event(evt, created))
    deleted = handler.on_event(event("Delete", physical_id=created["PhysicalResourceId"]))

    assert done["IsComplete"] is True
    data = done["Data"]
    assert data["TuningJobName"] == created["PhysicalResourceId"]
    # Moto reports canned BestTrainingJob and OverallBestTrainingJob blocks with different hyperparameters; the
    # handler prefers the overall best (the best across warm-start parents and this job) when there is one.
    described = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=data["TuningJobName"])
    overall = described["OverallBestTrainingJob"]
    assert overall["TunedHyperParameters"] != described["BestTrainingJob"]["TunedHyperParameters"]
    assert data["BestTrainingJobName"] == overall["TrainingJobName"] == "FakeTrainingJobName"
    assert json.loads(data["BestHyperparameters"]) == overall["TunedHyperParameters"]
    assert data["BestHyperparameter.string"] == overall["TunedHyperParameters"]["string"]
    assert float(data["BestObjectiveValue"]) == overall["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    assert deleted == {"PhysicalResourceId": created["PhysicalResourceId"]}
    assert calls == ["DescribeHyperParameterTuningJob", "DescribeHyperParameterTuningJob"]  # no Stop
    jobs = sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    assert [job["HyperParameterTuningJobStatus"] for job in jobs] == ["Completed"]  # record kept, not deleted


def test_retried_create_adopts_the_job_moto_reports_in_use(handler: ModuleType, sagemaker: Any) -> None:
    calls = record_calls(handler)

    first = handler.on_event(event("Create"))
    second = handler.on_event(event("Create"))

    assert first == second
    jobs = sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    assert [job["HyperParameterTuningJobName"] for job in jobs] == [first["PhysicalResourceId"]]
    # The second Create really hit ResourceInUse and adopted the job: create, describe, create, describe.
    assert calls == ["CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob"] * 2


def test_update_with_changed_request_creates_a_second_job(handler: ModuleType, sagemaker: Any) -> None:
    old = handler.on_event(event("Create"))
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})

    new = handler.on_event(
        event("Update", properties(new_request), old=properties(), physical_id=old["PhysicalResourceId"])
    )
    handler.on_event(event("Delete", physical_id=old["PhysicalResourceId"]))

    assert new["PhysicalResourceId"] != old["PhysicalResourceId"]
    names = {
        job["HyperParameterTuningJobName"]
        for job in sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    }
    assert names == {old["PhysicalResourceId"], new["PhysicalResourceId"]}


def test_delete_of_a_job_that_does_not_exist(handler: ModuleType) -> None:
    assert handler.on_event(event("Delete", physical_id="hpo-demo-missing")) == {
        "PhysicalResourceId": "hpo-demo-missing"
    }
