"""HTTP round trip: the handler's own boto3 client talks to a local moto server (``AWS_ENDPOINT_URL``).

Moto stores the JSON it receives and echoes it on describe, so the types read back are the types the handler sent,
and it keeps the tags of CreateHyperParameterTuningJob for ListTags. Moto's own tuning jobs are ``Completed`` at once
and it has no StopHyperParameterTuningJob; the ``moto_like_sagemaker`` fixture patches it (in this process, where the
threaded server runs) so that, as in SageMaker, a job stays ``InProgress`` until it is stopped or finished by the
test, Stop works on a running job (``ValidationException`` otherwise), and names compare case-insensitively.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.httpsession import URLLib3Session
from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound
from moto.sagemaker.exceptions import ValidationError as MotoValidationError
from moto.sagemaker.models import HyperParameterTuningJob, SageMakerModelBackend, sagemaker_backends
from moto.sagemaker.responses import SageMakerResponse
from moto.server import ThreadedMotoServer

from tests.handler_support import (
    ACCOUNT,
    LOGICAL_ID,
    PREFIX,
    STACK_ID,
    SleepRecorder,
    after_on_event,
    assert_same_types,
    event,
    handler_module,
    http_error,
    load_handler,
    properties,
    recorded_botocore_backoff,
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
def moto_like_sagemaker() -> Iterator[None]:
    """Patch moto's tuning jobs to behave like SageMaker's where the lifecycle depends on it (see module doc)."""
    original_init = HyperParameterTuningJob.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        name = kwargs["hyper_parameter_tuning_job_name"]
        jobs = sagemaker_backends[kwargs["account_id"]][kwargs["region_name"]].hyper_parameter_tuning_jobs
        if any(existing.lower() == name.lower() for existing in jobs):
            raise ResourceInUseException(message=f"Hyper Parameter Tuning Job with name {name} already exists.")
        original_init(self, *args, **kwargs)
        self.hyper_parameter_tuning_job_status = "InProgress"

    def find(backend: Any, name: str) -> Any:
        job = next(
            (job for key, job in backend.hyper_parameter_tuning_jobs.items() if key.lower() == name.lower()), None
        )
        if job is None:
            raise ResourceNotFound(message=f"Amazon SageMaker can't find a tuning job with name {name}")
        return job

    def describe(backend: Any, hyper_parameter_tuning_job_name: str) -> dict[str, Any]:
        return find(backend, hyper_parameter_tuning_job_name).describe()  # type: ignore[no-any-return]

    def stop(backend: Any, name: str) -> None:
        job = find(backend, name)
        if job.hyper_parameter_tuning_job_status != "InProgress":
            raise MotoValidationError(message=f"The job {name} is not in progress")
        job.hyper_parameter_tuning_job_status = "Stopping"

    def stop_response(self: Any) -> Any:
        stop(self.sagemaker_backend, self._get_param("HyperParameterTuningJobName"))
        return ActionResult({})

    patches = [
        (HyperParameterTuningJob, "__init__", init),
        (SageMakerModelBackend, "describe_hyper_parameter_tuning_job", describe),
        (SageMakerResponse, "stop_hyper_parameter_tuning_job", stop_response),
    ]
    saved = [(owner, name, owner.__dict__.get(name)) for owner, name, _ in patches]
    for owner, name, value in patches:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, value in saved:
            if value is None:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


def moto_job(name: str) -> Any:
    """The moto server's record of tuning job ``name`` (same process)."""
    jobs = sagemaker_backends[ACCOUNT]["us-east-1"].hyper_parameter_tuning_jobs
    return next(job for key, job in jobs.items() if key.lower() == name.lower())


def status_of(sagemaker: Any, name: str) -> str:
    return str(
        sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["HyperParameterTuningJobStatus"]
    )


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

    assert (first["PhysicalResourceId"], first["Data"]) == (second["PhysicalResourceId"], second["Data"])
    jobs = sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    assert [job["HyperParameterTuningJobName"] for job in jobs] == [first["PhysicalResourceId"]]
    # The second Create really hit ResourceInUse and adopted the job: create, describe, create, describe.
    assert calls == [
        "CreateHyperParameterTuningJob",
        "DescribeHyperParameterTuningJob",
        "CreateHyperParameterTuningJob",
        "DescribeHyperParameterTuningJob",
        "ListTags",  # the owner tags say the job is this resource's, for this request: adopted
    ]


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


# ---------------------------------------------------------------------------------------------------------------------
# Issue 10 over real HTTP: ownership, orphans, waiting, handler-side updates, fixed names, one retry policy

OTHER_STACK = STACK_ID.replace("stack/hpo-demo/", "stack/hpo-other-team/")
TAGGED = xgboost_request(Tags=[{"Key": "project", "Value": "hpo-demo"}, {"Key": "cost-center", "Value": "42"}])


def lose_first_create_answer(handler: ModuleType) -> None:
    """The first create reaches moto over HTTP, but its answer is lost (read timeout); botocore then retries it."""
    session = URLLib3Session()
    state = {"lost": False}

    def send(request: Any, **_: Any) -> Any:
        if state["lost"]:
            return None
        state["lost"] = True
        session.send(request)
        raise ReadTimeoutError(endpoint_url=request.url)

    SAGEMAKER.client().meta.events.register("before-send.sagemaker.CreateHyperParameterTuningJob", send)


def throttle(handler: ModuleType, operation: str, times: int) -> None:
    """Answer the next ``times`` requests of ``operation`` with HTTP 400 ThrottlingException (never sent to moto)."""
    left = {"n": times}

    def send(request: Any, **_: Any) -> Any:
        if left["n"] <= 0:
            return None
        left["n"] -= 1
        return http_error(request.url, "ThrottlingException", 400, "Rate exceeded")

    SAGEMAKER.client().meta.events.register(f"before-send.sagemaker.{operation}", send)


def tags_of(sagemaker: Any, name: str) -> dict[str, str]:
    arn = sagemaker.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)["HyperParameterTuningJobArn"]
    return {tag["Key"]: tag["Value"] for tag in sagemaker.list_tags(ResourceArn=arn)["Tags"]}


def test_created_job_carries_the_owner_tags(handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None) -> None:
    evt = event("Create", properties(name="owned-job"))
    handler.on_event(evt)

    tags = tags_of(sagemaker, "owned-job")
    assert tags["sagemaker-hpo:provider"] == PREFIX
    assert tags["sagemaker-hpo:stack-id"] == STACK_ID
    assert tags["sagemaker-hpo:logical-id"] == LOGICAL_ID
    assert tags["sagemaker-hpo:cfn-request-id"] == evt["RequestId"]
    assert tags["sagemaker-hpo:request-sha256"] == PROPERTIES.request_sha256(xgboost_request())
    assert tags["project"] == "hpo-demo"  # the user's tags too
    assert "sagemaker-hpo:team" not in tags  # only a team's provider sets the team tag


def test_a_team_providers_job_carries_the_team_tag(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAGEMAKER_HPO_TEAM", "vision")  # set by TuningJobProvider(team="vision") on its functions
    handler.on_event(event("Create", properties(name="team-job")))

    tags = tags_of(sagemaker, "team-job")
    assert tags["sagemaker-hpo:team"] == "vision"
    assert tags["sagemaker-hpo:provider"] == PREFIX


def test_another_stacks_job_is_neither_adopted_nor_stopped(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    handler.on_event(event("Create", properties(name="shared-name"), stack_id=OTHER_STACK))

    with pytest.raises(handler.HandlerError, match="already exists and is not this resource's"):
        handler.on_event(event("Create", properties(name="shared-name")))
    with pytest.raises(handler.HandlerError, match="compare case-insensitively"):
        handler.on_event(event("Create", properties(name="Shared-Name")))
    handler.on_event(event("Delete", properties(name="shared-name"), physical_id="shared-name"))

    assert status_of(sagemaker, "shared-name") == "InProgress"


def test_a_request_with_keys_removed_does_not_adopt_a_fuller_job(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    handler.on_event(event("Create", properties(TAGGED, name="fixed-a")))
    smaller = xgboost_request()
    for key in ("RandomSeed", "TuningJobCompletionCriteria", "TrainingJobEarlyStoppingType"):
        del smaller["HyperParameterTuningJobConfig"][key]
    del smaller["Tags"]

    with pytest.raises(handler.HandlerError, match="already exists with a different configuration"):
        handler.on_event(event("Create", properties(smaller, name="fixed-a")))
    assert status_of(sagemaker, "fixed-a") == "InProgress"


def test_delete_of_an_untagged_job_leaves_it_running(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None, caplog: pytest.LogCaptureFixture
) -> None:
    sagemaker.create_hyper_parameter_tuning_job(HyperParameterTuningJobName="hpo-demo-manual", **xgboost_request())

    with caplog.at_level("WARNING", logger="sagemaker_hpo.tuning_job"):
        handler.on_event(event("Delete", physical_id="hpo-demo-manual"))

    assert status_of(sagemaker, "hpo-demo-manual") == "InProgress"
    assert "is not this resource's: left running" in caplog.text and "no sagemaker-hpo owner tags" in caplog.text


def test_delete_stops_its_own_running_job(handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None) -> None:
    created = handler.on_event(event("Create"))
    handler.on_event(event("Delete", physical_id=created["PhysicalResourceId"]))
    assert status_of(sagemaker, created["PhysicalResourceId"]) == "Stopping"


def test_lost_create_answer_and_failing_describe_stop_the_job(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    lose_first_create_answer(handler)
    throttle(handler, "DescribeHyperParameterTuningJob", SAGEMAKER.CLIENT_MAX_ATTEMPTS)

    with recorded_botocore_backoff(SleepRecorder()), pytest.raises(handler.HandlerError, match="was stopped"):
        handler.on_event(event("Create", properties(name="fixed-a")))

    assert status_of(sagemaker, "fixed-a") == "Stopping"


def test_update_to_a_new_name_with_a_lost_answer_stops_the_new_job(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    old = handler.on_event(event("Create"))["PhysicalResourceId"]
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, new_request)
    lose_first_create_answer(handler)
    throttle(handler, "DescribeHyperParameterTuningJob", SAGEMAKER.CLIENT_MAX_ATTEMPTS)

    with recorded_botocore_backoff(SleepRecorder()), pytest.raises(handler.HandlerError, match="was stopped"):
        handler.on_event(event("Update", properties(new_request), old=properties(), physical_id=old))

    assert status_of(sagemaker, new) == "Stopping"
    assert status_of(sagemaker, old) == "InProgress"


# ---------------------------------------------------------------------------------------------------------------------
# Issue 16 over real HTTP: owner checks that fail closed


def answer_with(handler: ModuleType, operation: str, code: str, status: int, *, times: int, reach: int = 0) -> None:
    """Answer the next ``times`` requests of ``operation`` with an HTTP error; the first ``reach`` of them still reach
    moto (their effect happens, their answer is replaced)."""
    session = URLLib3Session()
    left = {"answer": times, "reach": reach}

    def send(request: Any, **_: Any) -> Any:
        if left["answer"] <= 0:
            return None
        left["answer"] -= 1
        if left["reach"] > 0:
            left["reach"] -= 1
            session.send(request)
        return http_error(request.url, code, status, "Amazon SageMaker can't find a tuning job (injected)")

    SAGEMAKER.client().meta.events.register(f"before-send.sagemaker.{operation}", send)


def test_unconfirmed_owner_after_a_lost_answer_leaves_another_stacks_job_running(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    handler.on_event(event("Create", properties(name="shared-name"), stack_id=OTHER_STACK))
    lose_first_create_answer(handler)  # the name is taken: moto refuses it, and that answer is lost
    throttle(handler, "ListTags", SAGEMAKER.CLIENT_MAX_ATTEMPTS)

    with recorded_botocore_backoff(SleepRecorder()), pytest.raises(handler.HandlerError) as raised:
        handler.on_event(event("Create", properties(name="shared-name")))

    assert "'shared-name' exists, but whose it is could not be confirmed" in str(raised.value)
    assert "neither adopted nor stopped" in str(raised.value)
    assert status_of(sagemaker, "shared-name") == "InProgress"


def test_rollback_stops_the_job_of_an_update_whose_answer_was_lost(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    old = handler.on_event(event("Create"))["PhysicalResourceId"]
    new_request = xgboost_request(**{"HyperParameterTuningJobConfig.ResourceLimits.MaxParallelTrainingJobs": 4})
    new = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, new_request)
    lose_first_create_answer(handler)
    throttle(handler, "ListTags", SAGEMAKER.CLIENT_MAX_ATTEMPTS)
    with recorded_botocore_backoff(SleepRecorder()), pytest.raises(handler.HandlerError, match="left untouched"):
        handler.on_event(event("Update", properties(new_request), old=properties(), physical_id=old))
    assert status_of(sagemaker, new) == "InProgress"  # unconfirmed: not stopped by the failed Update

    # The Provider framework reported FAILED with the old id; CloudFormation rolls back to the old properties.
    rollback = handler.on_event(event("Update", properties(), old=properties(new_request), physical_id=old))

    assert rollback["PhysicalResourceId"] == old
    assert status_of(sagemaker, new) == "Stopping"
    assert status_of(sagemaker, old) == "InProgress"


def test_create_answered_with_5xx_stops_the_job_describe_sees_late(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    sleeps = SleepRecorder()
    handler.set_sleep(sleeps)
    name = PROPERTIES.generated_job_name(PREFIX, STACK_ID, LOGICAL_ID, xgboost_request())
    attempts = SAGEMAKER.CLIENT_MAX_ATTEMPTS
    answer_with(handler, "CreateHyperParameterTuningJob", "InternalFailure", 500, times=attempts, reach=1)
    answer_with(handler, "DescribeHyperParameterTuningJob", "ResourceNotFound", 400, times=3)

    with recorded_botocore_backoff(SleepRecorder()), pytest.raises(handler.HandlerError) as raised:
        handler.on_event(event("Create"))

    assert "InternalFailure" in str(raised.value) and f"Tuning job '{name}' was stopped" in str(raised.value)
    assert sleeps.delays == [1.0, 2.0, 4.0]
    assert status_of(sagemaker, name) == "Stopping"


def test_a_re_added_resource_does_not_adopt_its_stopped_job(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    name = handler.on_event(event("Create"))["PhysicalResourceId"]
    handler.on_event(event("Delete", physical_id=name))  # the resource is removed from the stack
    calls = record_calls(handler)

    with pytest.raises(handler.HandlerError, match=r"no longer running \(status Stopping\).*not adopted"):
        handler.on_event(event("Create"))  # ... and added again with the same request

    assert calls == ["CreateHyperParameterTuningJob", "DescribeHyperParameterTuningJob", "ListTags"]
    jobs = sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"]
    assert [(job["HyperParameterTuningJobName"], job["HyperParameterTuningJobStatus"]) for job in jobs] == [
        (name, "Stopping")
    ]


def test_an_event_without_time_to_confirm_sends_nothing(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    seconds = handler_module("runtime").DEADLINE_MARGIN_SECONDS + SAGEMAKER.CALL_WORST_CASE_SECONDS - 1
    calls = record_calls(handler)

    with pytest.raises(handler.HandlerError, match="Nothing was started"):
        handler.on_event(event("Create"), SimpleNamespace(get_remaining_time_in_millis=lambda: int(seconds * 1000)))

    assert calls == []
    assert sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_oversized_update_event_starts_nothing(handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None) -> None:
    static = {f"long_value_{index:02d}": "x" * 2500 for index in range(52)}
    big = xgboost_request(**{"TrainingJobDefinition.StaticHyperParameters": static})
    bigger = xgboost_request(**{"TrainingJobDefinition.StaticHyperParameters": {**static, "extra": "1"}})
    calls = record_calls(handler)

    with pytest.raises(handler.PropertyError, match="Nothing was started"):
        handler.on_event(
            event("Update", properties(bigger, wait=True), old=properties(big, wait=True), physical_id="hpo-demo-old")
        )

    assert calls == []
    assert sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_turning_waiting_on_never_stops_a_long_running_job(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    name = handler.on_event(event("Create"))["PhysicalResourceId"]
    now = moto_job(name).creation_time.timestamp() + 5 * 3600  # the job has run for 5 hours
    handler.set_clock(lambda: now)
    evt = event("Update", properties(wait=True, timeout=1800), old=properties(), physical_id=name)
    result = handler.on_event(evt)

    assert handler.is_complete(after_on_event(evt, result)) == {"IsComplete": False}
    handler.set_clock(lambda: now + 1800)
    with pytest.raises(handler.HandlerError, match="It was not stopped"):
        handler.is_complete(after_on_event(evt, result))
    assert status_of(sagemaker, name) == "InProgress"

    moto_job(name).hyper_parameter_tuning_job_status = "Completed"
    handler.set_clock(lambda: now + 60)
    assert handler.is_complete(after_on_event(evt, result))["IsComplete"] is True


def test_handler_side_update_never_recreates_a_deleted_job(
    handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None
) -> None:
    evt = event("Create", properties(wait=True, timeout=1800))
    name = handler.on_event(evt)["PhysicalResourceId"]
    del sagemaker_backends[ACCOUNT]["us-east-1"].hyper_parameter_tuning_jobs[name]  # deleted outside CloudFormation
    calls = record_calls(handler)

    result = handler.on_event(
        event("Update", properties(wait=True, timeout=1200), old=properties(wait=True, timeout=1800), physical_id=name)
    )

    assert result["PhysicalResourceId"] == name
    assert calls == ["DescribeHyperParameterTuningJob"]  # no create
    assert sagemaker.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []


def test_fixed_name_tags_only_update_is_refused(handler: ModuleType, sagemaker: Any, moto_like_sagemaker: None) -> None:
    handler.on_event(event("Create", properties(name="fixed-a")))

    with pytest.raises(handler.PropertyError, match="its tags included"):
        handler.on_event(
            event("Update", properties(TAGGED, name="fixed-a"), old=properties(name="fixed-a"), physical_id="fixed-a")
        )
    assert "cost-center" not in tags_of(sagemaker, "fixed-a")


class _AlwaysThrottled(BaseHTTPRequestHandler):
    """SageMaker endpoint that throttles every request and counts them."""

    count = 0

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        type(self).count += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        return


def test_throttled_create_makes_the_documented_number_of_http_requests(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _AlwaysThrottled)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    handler.reset()
    _AlwaysThrottled.count = 0
    backoff = SleepRecorder()
    try:
        with recorded_botocore_backoff(backoff), pytest.raises(handler.SageMakerError, match="ThrottlingException"):
            handler.on_event(event("Create"))
    finally:
        server.shutdown()
        server.server_close()

    # docs/reliability.md: "at most 5 HTTP requests per call" and "at most 15 s of backoff".
    assert _AlwaysThrottled.count == SAGEMAKER.CLIENT_MAX_ATTEMPTS == 5
    assert len(backoff.delays) == 4 and sum(backoff.delays) <= SAGEMAKER.MAX_BACKOFF_SECONDS == 15.0
