"""Shared helpers for the tuning-job handler tests (imported explicitly; not a conftest).

* :func:`load_handler` loads ``lambda/tuning_job/index.py`` by file path (``lambda`` is a keyword), as the package
  ``tuning_job`` that Lambda imports from its task root (:data:`LOADER_CODE` does the same in a fresh interpreter).
* :func:`xgboost_request` is a realistic Hyperband request in the API's types; :func:`cfn_strings` turns it into what
  CloudFormation sends (every leaf a string).
* :class:`SageMakerScript` plans the SageMaker calls a scenario expects on a :class:`FaultStubber` and keeps a ledger
  of the simulated service state, so a test can assert that no job it did not mean to keep is left running.
* What several test modules of ``tests/handlers/tuning_job/`` share: :func:`generated` names, :func:`created_event`,
  SageMaker's IAM refusals (:data:`PASS_ROLE_DENIED`, :data:`COULD_NOT_ASSUME`) and ``ONE_CALL`` (the Lambda time one
  call needs). Their fixtures (``handler``, ``sm``) are in ``tests/handlers/tuning_job/conftest.py``.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import json
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import botocore.endpoint
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

ROOT = Path(__file__).resolve().parents[1]
HANDLER_PACKAGE_DIR = ROOT / "lambda" / "tuning_job"
HANDLER_PATH = HANDLER_PACKAGE_DIR / "index.py"
#: The handler's package name in Lambda, where the ``lambda/`` folder is the task root.
HANDLER_PACKAGE = "tuning_job"
#: Python source that loads the handler package by file path and binds its entry module to ``module``.
LOADER_CODE = (
    "import importlib, importlib.util, sys\n"
    f"spec = importlib.util.spec_from_file_location({HANDLER_PACKAGE!r}, {str(HANDLER_PACKAGE_DIR / '__init__.py')!r}, "
    f"submodule_search_locations=[{str(HANDLER_PACKAGE_DIR)!r}])\n"
    "package = importlib.util.module_from_spec(spec); sys.modules[spec.name] = package; spec.loader.exec_module(package)\n"
    f"module = importlib.import_module({HANDLER_PACKAGE + '.index'!r})\n"
)

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK_ID = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/hpo-demo/5b1c2f40-7d3a-11ef-9a3b-0a1b2c3d4e5f"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:hpo-demo-provider-framework-onEvent"
PREFIX = "hpo-demo"
LOGICAL_ID = "TuningJob"
SECRET = "s3cr3t-value-that-must-never-be-logged"
# The Provider framework's physical id after a failed Create (``CREATE_FAILED_PHYSICAL_ID_MARKER`` in aws-cdk-lib's
# custom-resources/lib/provider-framework/runtime/cfn-response.js). The framework answers the Delete that follows by
# itself, so it never reaches the handler in practice; the handler must still treat it as "nothing to stop".
CREATE_FAILED_MARKER = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"
NOW = datetime(2025, 1, 1, 12, 0, 0, tzinfo=timezone.utc)


#: Tuned hyperparameters of a best training job (as SageMaker reports them: strings).
TUNED = {"alpha": "0.31", "eta": "0.2174", "max_depth": "6", "min_child_weight": "3.5"}
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/hpo-demo-sagemaker"
#: SageMaker's refusals of a create while IAM changes of the same deployment propagate.
PASS_ROLE_DENIED = (
    f"User: arn:aws:sts::{ACCOUNT}:assumed-role/hpo-demo-handler/hpo-demo-onEvent is not authorized to perform: "
    f"iam:PassRole on resource: {ROLE_ARN} because no identity-based policy allows the iam:PassRole action"
)
COULD_NOT_ASSUME = (
    f"Could not assume role {ROLE_ARN}. Please ensure that the role exists and allows principal "
    "'sagemaker.amazonaws.com' to assume the role."
)


def load_handler() -> ModuleType:
    """Load the handler package by path once per process; return its entry module (``tuning_job.index``)."""
    if HANDLER_PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            HANDLER_PACKAGE, HANDLER_PACKAGE_DIR / "__init__.py", submodule_search_locations=[str(HANDLER_PACKAGE_DIR)]
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[HANDLER_PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{HANDLER_PACKAGE}.index")


def handler_module(name: str) -> ModuleType:
    """One module of the handler package (e.g. ``properties``, ``sagemaker``), loading the package if needed."""
    load_handler()
    return importlib.import_module(f"{HANDLER_PACKAGE}.{name}")


def __getattr__(name: str) -> Any:
    """``ONE_CALL``: seconds of Lambda time at which one call (at its slowest) just fits before the deadline's margin.

    Computed on first use from the handler's own constants, so that importing this module loads no handler module.
    """
    if name == "ONE_CALL":
        return handler_module("runtime").DEADLINE_MARGIN_SECONDS + handler_module("sagemaker").CALL_WORST_CASE_SECONDS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def sagemaker_client() -> Any:
    """A boto3 SageMaker client configured like the handler's own (dummy credentials; sends nothing when stubbed)."""
    return boto3.client(
        "sagemaker",
        config=handler_module("sagemaker").client_config(),
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        aws_session_token="testing",
    )


def xgboost_request(**overrides: Any) -> dict[str, Any]:
    """The Hyperband XGBoost request of the seed facts, in the API's exact types (the expected coercion result)."""
    request: dict[str, Any] = {
        "HyperParameterTuningJobConfig": {
            "Strategy": "Hyperband",
            "StrategyConfig": {"HyperbandStrategyConfig": {"MinResource": 10, "MaxResource": 100}},
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
            "ResourceLimits": {
                "MaxNumberOfTrainingJobs": 20,
                "MaxParallelTrainingJobs": 5,
                "MaxRuntimeInSeconds": 7200,
            },
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "eta", "MinValue": "0", "MaxValue": "1", "ScalingType": "Auto"},
                    {"Name": "min_child_weight", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"},
                    {"Name": "alpha", "MinValue": "0", "MaxValue": "2", "ScalingType": "Linear"},
                ],
                "IntegerParameterRanges": [
                    {"Name": "max_depth", "MinValue": "1", "MaxValue": "10", "ScalingType": "Auto"}
                ],
            },
            "TrainingJobEarlyStoppingType": "Off",
            "TuningJobCompletionCriteria": {
                "TargetObjectiveMetricValue": 0.99,
                "BestObjectiveNotImproving": {"MaxNumberOfTrainingJobsNotImproving": 5},
            },
            "RandomSeed": 42,
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": {"objective": "binary:logistic", "eval_metric": "auc", "num_round": "100"},
            "AlgorithmSpecification": {
                "TrainingImage": f"683313688378.dkr.ecr.{REGION}.amazonaws.com/sagemaker-xgboost:1.7-1",
                "TrainingInputMode": "File",
            },
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/hpo-demo-sagemaker",
            "InputDataConfig": [
                {
                    "ChannelName": name,
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": f"s3://hpo-demo-data/{name}/",
                            "S3DataDistributionType": "FullyReplicated",
                        }
                    },
                    "ContentType": "text/csv",
                }
                for name in ("train", "validation")
            ],
            "OutputDataConfig": {"S3OutputPath": "s3://hpo-demo-data/output/"},
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600, "MaxWaitTimeInSeconds": 7200},
            "EnableNetworkIsolation": False,
            "EnableInterContainerTrafficEncryption": False,
            "EnableManagedSpotTraining": True,
            "CheckpointConfig": {"S3Uri": "s3://hpo-demo-data/checkpoints/", "LocalPath": "/opt/ml/checkpoints"},
            "Environment": {"API_TOKEN": SECRET},
        },
        "Tags": [{"Key": "project", "Value": "hpo-demo"}],
    }
    for path, value in overrides.items():
        target = request
        keys = path.split(".")
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value
    return request


def cfn_strings(value: Any) -> Any:
    """What CloudFormation sends: every leaf value turned into a string (booleans as "true"/"false")."""
    if isinstance(value, Mapping):
        return {key: cfn_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [cfn_strings(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def properties(
    request: Mapping[str, Any] | None = None,
    *,
    name: str | None = None,
    prefix: str | None = PREFIX,
    wait: bool = False,
    timeout: int | None = None,
) -> dict[str, Any]:
    """ResourceProperties as CloudFormation sends them to the Provider framework."""
    props: dict[str, Any] = {
        "ServiceToken": SERVICE_TOKEN,
        "Request": cfn_strings(request if request is not None else xgboost_request()),
        "WaitForCompletion": "true" if wait else "false",
    }
    if prefix is not None:
        props["NamePrefix"] = prefix
    if name is not None:
        props["TuningJobName"] = name
    if timeout is not None:
        props["WaitTimeoutSeconds"] = str(timeout)
    return props


def event(
    request_type: str,
    props: Mapping[str, Any] | None = None,
    *,
    old: Mapping[str, Any] | None = None,
    physical_id: str | None = None,
    data: Mapping[str, str] | None = None,
    logical_id: str = LOGICAL_ID,
    request_id: str | None = None,
    stack_id: str = STACK_ID,
) -> dict[str, Any]:
    """A CloudFormation custom resource event (as the Provider framework passes it on); a new RequestId each."""
    result: dict[str, Any] = {
        "RequestType": request_type,
        "ServiceToken": SERVICE_TOKEN,
        "ResponseURL": "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
        "StackId": stack_id,
        "RequestId": request_id or str(uuid.uuid4()),
        "LogicalResourceId": logical_id,
        "ResourceType": "Custom::SageMakerHyperParameterTuningJob",
        "ResourceProperties": dict(props if props is not None else properties()),
    }
    if old is not None:
        result["OldResourceProperties"] = dict(old)
    if physical_id is not None:
        result["PhysicalResourceId"] = physical_id
    if data is not None:
        result["Data"] = dict(data)
    return result


def after_on_event(evt: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """The event ``is_complete`` receives: the Provider framework merges the onEvent result into the request."""
    return {**evt, **result}


def job_arn(name: str) -> str:
    return f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/{name.lower()}"


def generated(handler: ModuleType, request: dict[str, Any] | None = None, logical_id: str = LOGICAL_ID) -> str:
    """The generated job name of this stack's resource ``logical_id`` for ``request`` (default: the XGBoost one)."""
    return str(
        handler_module("properties").generated_job_name(PREFIX, STACK_ID, logical_id, request or xgboost_request())
    )


def created_event(handler: ModuleType, *, wait: bool = True, timeout: int | None = None) -> dict[str, Any]:
    """The event ``is_complete`` receives after a Create that started the generated job."""
    name = generated(handler)
    evt = event("Create", properties(wait=wait, timeout=timeout))
    return after_on_event(
        evt, {"PhysicalResourceId": name, "Data": {"TuningJobName": name, "TuningJobArn": job_arn(name)}}
    )


def assert_same_types(expected: Any, actual: Any, path: str = "Request") -> None:
    """Deep equality that also requires identical types (Python's 10 == 10.0 would hide a float/int mix-up)."""
    assert type(actual) is type(expected), f"{path}: {type(actual).__name__} {actual!r} != {expected!r}"
    if isinstance(expected, dict):
        assert sorted(actual) == sorted(expected), f"{path}: keys {sorted(actual)} != {sorted(expected)}"
        for key in expected:
            assert_same_types(expected[key], actual[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert len(actual) == len(expected), f"{path}: length {len(actual)} != {len(expected)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            assert_same_types(want, got, f"{path}[{index}]")
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"


class _AnyString:
    """Matches any string in a planned request body (e.g. the CloudFormation request id tag)."""

    def __repr__(self) -> str:
        return "<any string>"


ANY_STRING: Any = _AnyString()


def _plan_matches(expected: Any, actual: Any) -> bool:
    if expected is ANY_STRING:
        return isinstance(actual, str)
    if isinstance(expected, dict):
        return (
            isinstance(actual, dict)
            and expected.keys() == actual.keys()
            and all(_plan_matches(value, actual[key]) for key, value in expected.items())
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_plan_matches(a, b) for a, b in zip(expected, actual, strict=True))
        )
    return type(expected) is type(actual) and bool(expected == actual)


class _Body:
    """The raw body of a canned HTTP response (what ``AWSResponse.content`` reads)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._data


def _wire_json(value: Any) -> Any:
    """A response or request value as SageMaker's JSON protocol puts it on the wire (timestamps as epoch seconds)."""
    if value is ANY_STRING:
        return value
    if isinstance(value, Mapping):
        return {key: _wire_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_wire_json(item) for item in value]
    return json.loads(json.dumps(value, default=lambda item: item.timestamp() if isinstance(item, datetime) else item))


def http_error(url: str, code: str, status: int, message: str = "injected by the test") -> AWSResponse:
    """An HTTP error response of SageMaker's JSON protocol (for ``before-send`` hooks)."""
    headers = {"x-amzn-RequestId": "injected", "Content-Type": "application/x-amz-json-1.1"}
    return AWSResponse(url, status, headers, _Body(json.dumps({"__type": code, "message": message}).encode()))


class FaultStubber(Stubber):
    """A botocore Stubber that answers at the HTTP layer, so botocore's own retry policy runs on every call.

    The plain Stubber answers in ``before-call`` and so skips botocore's retry handler. This one keeps the Stubber's
    queue, its response validation and its check of the call's parameters (``before-parameter-build``), but serves
    each queued entry as one HTTP response in ``before-send``: every entry is one HTTP request, a retryable error is
    retried by botocore (``standard`` mode) and takes the next entry, and ``add_exception`` raises in place of the
    HTTP round trip (a connection error or timeout). Each request body is also compared, as JSON, with the expected
    parameters. :attr:`requests` counts the HTTP requests by operation.
    """

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.requests: list[str] = []

    def activate(self) -> None:
        self.client.meta.events.register_first(
            "before-parameter-build.*.*", self._assert_first_entry_params, unique_id=self._expected_params_event_id
        )
        self.client.meta.events.register("before-send.*.*", self._send, unique_id=self._event_id)

    def deactivate(self) -> None:
        self.client.meta.events.unregister(
            "before-parameter-build.*.*", self._assert_first_entry_params, unique_id=self._expected_params_event_id
        )
        self.client.meta.events.unregister("before-send.*.*", self._send, unique_id=self._event_id)

    def add_exception(
        self, method: str, exception: Exception, expected_params: Mapping[str, Any] | None = None
    ) -> None:
        operation_name = self.client.meta.method_to_api_mapping[method]
        self._queue.append(
            {
                "operation_name": operation_name,
                "response": None,
                "expected_params": dict(expected_params) if expected_params is not None else None,
                "exception": exception,
            }
        )

    def add_lazy_response(self, method: str, respond: Any, expected_params: Mapping[str, Any] | None = None) -> None:
        """Queue a response computed when the request is sent (``respond()`` returns the parsed response)."""
        self._queue.append(
            {
                "operation_name": self.client.meta.method_to_api_mapping[method],
                "response": None,
                "lazy": respond,
                "expected_params": dict(expected_params) if expected_params is not None else None,
            }
        )

    def _assert_first_entry_params(self, model: Any, params: Any, context: Any, **kwargs: Any) -> None:
        return  # every HTTP request's body is compared with its entry in ``_send``

    def _send(self, request: Any, event_name: str, **_kwargs: Any) -> Any:
        operation = event_name.rsplit(".", 1)[-1]
        self.requests.append(operation)
        if not self._queue:
            raise AssertionError(f"unexpected HTTP request for {operation}: nothing planned")
        entry = self._queue.popleft()
        assert entry["operation_name"] == operation, f"planned {entry['operation_name']}, the handler sent {operation}"
        expected = entry.get("expected_params")
        body = json.loads(request.body or b"{}")
        if expected is not None:
            assert _plan_matches(_wire_json(expected), body), (
                f"{operation}: request body differs from the plan:\n{json.dumps(body, sort_keys=True)}\n"
                f"planned:\n{_wire_json(expected)!r}"
            )
        for on_send in entry.get("on_send") or ():
            on_send(body)
        if entry.get("exception") is not None:
            raise entry["exception"]
        if entry.get("lazy") is not None:
            parsed = entry["lazy"]()
        else:
            _http, parsed = entry["response"]
        headers = {"x-amzn-RequestId": "stub-request", "Content-Type": "application/x-amz-json-1.1"}
        if "Error" in parsed:
            status = int(parsed["ResponseMetadata"]["HTTPStatusCode"])
            payload = {"__type": parsed["Error"]["Code"], "message": parsed["Error"]["Message"]}
        else:
            status = 200
            payload = _wire_json({key: value for key, value in parsed.items() if key != "ResponseMetadata"})
        return AWSResponse(request.url, status, headers, _Body(json.dumps(payload).encode()))


class SageMakerScript:
    """Plans the SageMaker calls a scenario expects (each one checked by the Stubber) and tracks job states.

    ``jobs`` is the simulated service state after every planned call: a successful create makes a job InProgress,
    a stop makes it Stopping, and a describe response declares the status the service reports at that moment.
    """

    def __init__(self, client: Any) -> None:
        self.client = client
        self.stubber = FaultStubber(client)
        self.jobs: dict[str, str] = {}
        self.requests: dict[str, dict[str, Any]] = {}
        self.tags: dict[str, dict[str, str]] = {}
        self.created: list[str] = []
        self.stopped: list[str] = []
        self.sleeps = SleepRecorder()
        self.backoff = SleepRecorder()

    # ---- state -----------------------------------------------------------------------------------------------------
    def seed(
        self,
        name: str,
        status: str,
        request: Mapping[str, Any] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """A job that exists before the scenario: by default this resource's own (owner tags of an earlier event)."""
        self.jobs[name] = status
        self.requests[name] = copy.deepcopy(dict(request if request is not None else xgboost_request()))
        self.tags[name] = dict(
            tags if tags is not None else owner_tags(self.requests[name], request_id="an-earlier-request")
        )

    def finish(self, name: str, status: str) -> None:
        """The service moved the job on by itself (e.g. it completed while a Stop was on its way)."""
        self._at_send(lambda _body: self.jobs.__setitem__(name, status))

    def key(self, name: str) -> str:
        """The ledger's key for job ``name`` (SageMaker compares job names case-insensitively)."""
        return next((job for job in {**self.jobs, **self.requests} if job.lower() == name.lower()), name)

    def running(self) -> set[str]:
        return {name for name, status in self.jobs.items() if status == "InProgress"}

    def assert_done(self, owned: set[str] | frozenset[str] = frozenset()) -> None:
        """Every planned call happened, and no job is left InProgress except those the stack now owns."""
        self.stubber.assert_no_pending_responses()
        leaked = self.running() - set(owned)
        assert not leaked, f"jobs left running: {sorted(leaked)} (states {self.jobs})"

    # ---- create ----------------------------------------------------------------------------------------------------
    def _create_params(self, name: str, request: Mapping[str, Any] | None, **owner: Any) -> dict[str, Any]:
        """The create request the handler must send: the user's request, then the handler's owner tags."""
        request = copy.deepcopy(dict(request if request is not None else xgboost_request()))
        handler_tags = [{"Key": key, "Value": value} for key, value in owner_tags(request, **owner).items()]
        return {"HyperParameterTuningJobName": name, **request, "Tags": [*request.get("Tags", []), *handler_tags]}

    def _at_send(self, effect: Any) -> None:
        """Apply ``effect(body)`` to the ledger when the last planned request is sent (or now, when none is)."""
        queue = self.stubber._queue
        if queue:
            queue[-1].setdefault("on_send", []).append(effect)
        else:
            effect({})

    def _record_created(self, name: str, request: Mapping[str, Any] | None) -> Any:
        self.requests[name] = copy.deepcopy(dict(request if request is not None else xgboost_request()))

        def on_send(body: Mapping[str, Any]) -> None:
            self.jobs[name] = "InProgress"
            self.tags[name] = {tag["Key"]: tag["Value"] for tag in body.get("Tags", [])}
            self.created.append(name)

        return on_send

    def create(self, name: str, request: Mapping[str, Any] | None = None, **owner: Any) -> None:
        """A create SageMaker accepts (the job's tags are what the handler sent)."""
        params = self._create_params(name, request, **owner)
        self.stubber.add_response(
            "create_hyper_parameter_tuning_job", {"HyperParameterTuningJobArn": job_arn(name)}, params
        )
        self._at_send(self._record_created(name, request))

    def create_lost(
        self,
        name: str,
        request: Mapping[str, Any] | None = None,
        error: tuple[str, int] | None = None,
        **owner: Any,
    ) -> None:
        """A create SageMaker performs, but whose answer is lost (read timeout) or an ``error`` (code, HTTP status)
        such as a 5xx: botocore retries it."""
        params = self._create_params(name, request, **owner)
        if error is None:
            self.stubber.add_exception(
                "create_hyper_parameter_tuning_job", ReadTimeoutError(endpoint_url="https://sagemaker/"), params
            )
        else:
            self.faults("create_hyper_parameter_tuning_job", params, [error])
        self._at_send(self._record_created(name, request))

    def create_error(
        self,
        name: str,
        code: str,
        message: str,
        request: Mapping[str, Any] | None = None,
        http: int = 400,
        **owner: Any,
    ) -> None:
        self.stubber.add_client_error(
            "create_hyper_parameter_tuning_job",
            service_error_code=code,
            service_message=message,
            http_status_code=http,
            expected_params=self._create_params(name, request, **owner),
        )

    def create_exists(self, name: str, request: Mapping[str, Any] | None = None, **owner: Any) -> None:
        assert any(job.lower() == name.lower() for job in self.requests), "ResourceInUse only for a job that exists"
        self.create_error(
            name, "ResourceInUse", f"Hyper Parameter Tuning Job with name {name} already exists.", request, **owner
        )

    # ---- tags ------------------------------------------------------------------------------------------------------
    def list_tags(self, name: str) -> None:
        """ListTags of job ``name``: the tags it carries when the handler asks (case-insensitive name)."""

        def respond() -> dict[str, Any]:
            found = next((job for job in self.tags if job.lower() == name.lower()), None)
            tags = self.tags.get(found, {}) if found is not None else {}
            return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}

        self.stubber.add_lazy_response("list_tags", respond, {"ResourceArn": job_arn(name), "MaxResults": 100})

    def list_tags_faults(self, name: str, errors: list[tuple[str, int] | Exception]) -> None:
        self.faults("list_tags", {"ResourceArn": job_arn(name), "MaxResults": 100}, errors)

    # ---- describe --------------------------------------------------------------------------------------------------
    def describe(
        self,
        name: str,
        status: str | None = None,
        *,
        created: datetime = NOW,
        best: Mapping[str, Any] | None = None,
        overall_best: Mapping[str, Any] | None = None,
        failure_reason: str | None = None,
        request: Mapping[str, Any] | None = None,
    ) -> None:
        status = status or self.jobs[self.key(name)]
        self.stubber.add_response(
            "describe_hyper_parameter_tuning_job",
            describe_response(
                name,
                status,
                request or self.requests.get(self.key(name)),
                created=created,
                best=best,
                overall_best=overall_best,
                failure_reason=failure_reason,
            ),
            {"HyperParameterTuningJobName": name},
        )
        self._at_send(lambda _body: self.jobs.__setitem__(self.key(name), status))

    def describe_error(self, name: str, code: str, message: str, http: int = 400) -> None:
        self.stubber.add_client_error(
            "describe_hyper_parameter_tuning_job",
            service_error_code=code,
            service_message=message,
            http_status_code=http,
            expected_params={"HyperParameterTuningJobName": name},
        )

    # ---- stop ------------------------------------------------------------------------------------------------------
    def stop(self, name: str) -> None:
        self.stubber.add_response("stop_hyper_parameter_tuning_job", {}, {"HyperParameterTuningJobName": name})

        def on_send(_body: Mapping[str, Any]) -> None:
            if self.jobs.get(self.key(name)) == "InProgress":
                self.jobs[self.key(name)] = "Stopping"
            self.stopped.append(name)

        self._at_send(on_send)

    def stop_error(self, name: str, code: str, message: str, http: int = 400) -> None:
        self.stubber.add_client_error(
            "stop_hyper_parameter_tuning_job",
            service_error_code=code,
            service_message=message,
            http_status_code=http,
            expected_params={"HyperParameterTuningJobName": name},
        )

    # ---- faults ----------------------------------------------------------------------------------------------------
    def faults(self, method: str, params: Mapping[str, Any], errors: list[tuple[str, int] | Exception]) -> None:
        """Queue failures for the next ``method`` calls: (code, http status) client errors or raised exceptions."""
        for error in errors:
            if isinstance(error, Exception):
                self.stubber.add_exception(method, error, params)
            else:
                code, http = error
                self.stubber.add_client_error(
                    method,
                    service_error_code=code,
                    service_message=f"{code} injected by the test",
                    http_status_code=http,
                    expected_params=dict(params),
                )

    def create_faults(
        self,
        name: str,
        errors: list[tuple[str, int] | Exception],
        request: Mapping[str, Any] | None = None,
        **owner: Any,
    ) -> None:
        self.faults("create_hyper_parameter_tuning_job", self._create_params(name, request, **owner), errors)

    def describe_lag(self, name: str, times: int) -> None:
        """The next ``times`` describes answer "not found" (SageMaker's eventual consistency)."""
        for _ in range(times):
            self.describe_error(name, "ResourceNotFound", f"Amazon SageMaker can't find a tuning job with name {name}")

    def describe_faults(self, name: str, errors: list[tuple[str, int] | Exception]) -> None:
        self.faults("describe_hyper_parameter_tuning_job", {"HyperParameterTuningJobName": name}, errors)

    def stop_faults(self, name: str, errors: list[tuple[str, int] | Exception]) -> None:
        self.faults("stop_hyper_parameter_tuning_job", {"HyperParameterTuningJobName": name}, errors)


def owner_tags(
    request: Mapping[str, Any],
    *,
    logical_id: str = LOGICAL_ID,
    stack_id: str = STACK_ID,
    provider: str = PREFIX,
    request_id: Any = None,
) -> dict[str, Any]:
    """The tags the handler sets on a job it creates for ``request`` (typed), in the order it sends them.

    ``request_id`` defaults to :data:`ANY_STRING` (each event has a new CloudFormation request id).
    """
    properties = handler_module("properties")
    return {
        "sagemaker-hpo:provider": provider,
        "sagemaker-hpo:stack-id": stack_id,
        "sagemaker-hpo:logical-id": logical_id,
        "sagemaker-hpo:cfn-request-id": ANY_STRING if request_id is None else request_id,
        "sagemaker-hpo:request-sha256": properties.request_sha256(request),
    }


def describe_response(
    name: str,
    status: str,
    request: Mapping[str, Any] | None = None,
    *,
    created: datetime = NOW,
    best: Mapping[str, Any] | None = None,
    overall_best: Mapping[str, Any] | None = None,
    failure_reason: str | None = None,
) -> dict[str, Any]:
    """A DescribeHyperParameterTuningJob response (validated by the Stubber against the output shape)."""
    request = request or xgboost_request()
    response: dict[str, Any] = {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobArn": job_arn(name),
        "HyperParameterTuningJobConfig": copy.deepcopy(request["HyperParameterTuningJobConfig"]),
        "HyperParameterTuningJobStatus": status,
        "CreationTime": created,
        "LastModifiedTime": created + timedelta(seconds=5),
        "TrainingJobStatusCounters": {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0},
        "ObjectiveStatusCounters": {"Succeeded": 0, "Pending": 0, "Failed": 0},
    }
    if "TrainingJobDefinition" in request:
        definition = copy.deepcopy(request["TrainingJobDefinition"])
        # SageMaker echoes the definition with the objective added to the static hyperparameters.
        definition.setdefault("StaticHyperParameters", {})["_tuning_objective_metric"] = "validation:auc"
        response["TrainingJobDefinition"] = definition
    if "WarmStartConfig" in request:
        response["WarmStartConfig"] = copy.deepcopy(request["WarmStartConfig"])
    if best is not None:
        response["BestTrainingJob"] = dict(best)
    if overall_best is not None:
        response["OverallBestTrainingJob"] = dict(overall_best)
    if failure_reason is not None:
        response["FailureReason"] = failure_reason
    return response


def best_training_job(tuned: Mapping[str, str], value: float = 0.9731, name: str = "hpo-demo-abc-017-6f1e2d3c") -> dict:
    """A BestTrainingJob block for a Completed describe response."""
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{name}",
        "CreationTime": NOW,
        "TrainingJobStatus": "Completed",
        "TunedHyperParameters": dict(tuned),
        "FinalHyperParameterTuningJobObjectiveMetric": {
            "Type": "Maximize",
            "MetricName": "validation:auc",
            "Value": value,
        },
        "ObjectiveStatus": "Succeeded",
    }


class SleepRecorder:
    """An injectable sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class _BotocoreTime:
    """Stands in for the ``time`` module inside ``botocore.endpoint``, whose only use is the retry sleep."""

    def __init__(self, sleep: SleepRecorder) -> None:
        self.sleep = sleep


@contextmanager
def recorded_botocore_backoff(recorder: SleepRecorder) -> Iterator[SleepRecorder]:
    """Record botocore's retry sleeps (``time.sleep`` in ``botocore.endpoint``) instead of waiting."""
    original = botocore.endpoint.time
    botocore.endpoint.time = _BotocoreTime(recorder)  # type: ignore[assignment]
    try:
        yield recorder
    finally:
        botocore.endpoint.time = original


@contextmanager
def stubbed_handler(handler: ModuleType) -> Iterator[SageMakerScript]:
    """A stubbed SageMaker client injected into ``handler``, with recorded sleeps and a fixed clock; reset after.

    ``script.sleeps`` records the handler's own waits, ``script.backoff`` botocore's retry sleeps.
    """
    script = SageMakerScript(sagemaker_client())
    script.stubber.activate()
    handler.set_client(script.client)
    handler.set_sleep(script.sleeps)
    handler.set_clock(lambda: NOW.timestamp())
    try:
        with recorded_botocore_backoff(script.backoff):
            yield script
    finally:
        script.stubber.deactivate()
        handler.reset()
