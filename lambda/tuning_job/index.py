"""Custom resource handler for ``Custom::SageMakerHyperParameterTuningJob`` (CDK Provider framework).

``on_event`` creates, replaces or stops a SageMaker hyperparameter tuning job; ``is_complete`` waits for it when the
resource asks to (``WaitForCompletion``). Both raise to fail: the Provider framework turns an exception into a FAILED
response whose reason is the exception's message.

Design notes:

* Properties arrive as CloudFormation sends them (every leaf value a string). The request is coerced back to the
  API's types by walking botocore's SageMaker service model, then validated with botocore's ``ParamValidator`` before
  any job is started.
* Generated job names are ``<NamePrefix>-<sha256 of (StackId, LogicalResourceId, typed Request)>``: a retried Create
  computes the same name, so ``ResourceInUse`` means "our job already exists" and the job is adopted, never doubled.
* Tuning jobs are immutable: a changed request is a replacement (new name, new physical id); CloudFormation then
  sends Delete for the old id, which stops the old job if it is still running. Nothing is ever deleted.
* Any job started by a Create that then fails is stopped before the error is raised, because the Provider framework
  ignores the Delete that follows a failed Create.
* Throttling and transient faults are retried here with capped exponential backoff and jitter (bounded attempts,
  bounded total delay, and never past the Lambda deadline).
* A create denied because IAM has not caught up yet (the handler's iam:PassRole or job ARN grant, or the training
  role, updated by the same deployment just before) is retried for about 90 s: nothing was started, so it is safe.

Seams for tests: :func:`set_client`, :func:`set_clock`, :func:`set_sleep`, :func:`set_jitter` and :func:`reset`.
Only the standard library is imported at module load; boto3/botocore are imported on first use.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

from . import contract

LOGGER = logging.getLogger("sagemaker_hpo.tuning_job")
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

USER_AGENT_EXTRA = f"sagemaker-hpo-cdk/{contract.LIBRARY_VERSION}"
OPERATION_CREATE = "CreateHyperParameterTuningJob"
OPERATION_DESCRIBE = "DescribeHyperParameterTuningJob"
OPERATION_STOP = "StopHyperParameterTuningJob"
JOB_NAME_KEY = "HyperParameterTuningJobName"

# Retry policy of the handler's own wrapper (botocore's retry handler is bypassed by Stubber and may give up early).
MAX_ATTEMPTS = 8
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 16.0
MAX_TOTAL_DELAY_SECONDS = 60.0
DEADLINE_MARGIN_SECONDS = 10.0
# botocore's own client settings: one quick retry, short timeouts (the wrapper above does the patient retrying).
CLIENT_CONNECT_TIMEOUT_SECONDS = 5
CLIENT_READ_TIMEOUT_SECONDS = 20
CLIENT_MAX_ATTEMPTS = 2
# The longest one wrapped call can take (every botocore attempt timing out): no retry starts unless it fits.
ATTEMPT_WORST_CASE_SECONDS = float(CLIENT_MAX_ATTEMPTS * (CLIENT_CONNECT_TIMEOUT_SECONDS + CLIENT_READ_TIMEOUT_SECONDS))
RETRYABLE_ERROR_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalError",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
# A create denied while IAM changes of the same deployment propagate (a new training role, or the handler's new
# iam:PassRole or job-ARN grant): retried, because nothing was started, for at most IAM_PROPAGATION_WAIT_SECONDS.
IAM_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
# SageMaker's ValidationException for a role it cannot use yet, e.g. "Could not assume role arn:aws:iam::…. Please
# ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role." or "User: … is not
# authorized to perform: iam:PassRole on resource: …".
IAM_DENIED_MESSAGE = re.compile(
    r"\b(?:could not|couldn't|cannot|can't|unable to) (?:be )?assume|could not be assumed"
    r"|not authorized to perform:?\s*(?:iam:PassRole|sts:AssumeRole)",
    re.IGNORECASE,
)
IAM_PROPAGATION_WAIT_SECONDS = 90.0
IAM_BASE_DELAY_SECONDS = 2.0
IAM_MAX_DELAY_SECONDS = 16.0
IAM_HINT = (
    "IAM changes take a moment to propagate, and this deployment may have just created the training role or allowed "
    "the tuning-job provider to pass it; the create was retried for {waited:.0f} s. If the deployment still fails, "
    "check that the training role exists, trusts sagemaker.amazonaws.com, and is one the provider may pass "
    "(iam:PassRole): the TuningJob's own role or a TrainingRole of this stack, or, with an imported provider, a role "
    "it was deployed for."
)
NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})
NOT_FOUND_MESSAGE = re.compile(r"does not exist|not found|could not find|can't find|cannot find", re.IGNORECASE)

# Job statuses (DescribeHyperParameterTuningJob).
STATUS_IN_PROGRESS = "InProgress"
STATUS_STOPPING = "Stopping"
STATUS_COMPLETED = "Completed"
STATUS_FAILED = "Failed"
STATUS_STOPPED = "Stopped"
WAITING_STATUSES = frozenset({STATUS_IN_PROGRESS, STATUS_STOPPING})

JOB_NAME_PATTERN = re.compile(contract.JOB_NAME_PATTERN)
NAME_PREFIX_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*$")
# Bytes of compact JSON allowed for ``Data``: the whole response (status, ids, reason, data) must fit in 4096 bytes.
DATA_BUDGET_BYTES = 3000
TRUNCATION_MARKER = "...(truncated)"
PROPERTIES_IGNORED = frozenset({"ServiceToken", "ServiceTimeout"})
KNOWN_PROPERTIES = frozenset(
    {
        contract.PROP_REQUEST,
        contract.PROP_TUNING_JOB_NAME,
        contract.PROP_NAME_PREFIX,
        contract.PROP_WAIT_FOR_COMPLETION,
        contract.PROP_WAIT_TIMEOUT_SECONDS,
    }
)


class HandlerError(Exception):
    """A failure the deployment should report: the message becomes CloudFormation's status reason."""


class PropertyError(HandlerError, ValueError):
    """The resource properties are invalid (nothing was started)."""


class SageMakerError(HandlerError):
    """A SageMaker call failed for good (not retryable, or retries exhausted)."""

    def __init__(self, operation: str, job_name: str, code: str, message: str, attempts: int, hint: str = "") -> None:
        self.operation = operation
        self.job_name = job_name
        self.code = code
        self.service_message = message
        self.attempts = attempts
        tries = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
        advice = f" {hint}" if hint else ""
        super().__init__(f"{operation} failed for tuning job '{job_name}': {code}: {message}{tries}{advice}")


class _Runtime:
    """Process-wide state: the lazily created client and the injectable clock, sleep and jitter."""

    def __init__(self) -> None:
        self.client: Any = None
        self.clock: Callable[[], float] = time.time
        self.sleep: Callable[[float], None] = time.sleep
        self.jitter: Callable[[], float] = random.random
        self.deadline: float | None = None
        self.log_context: dict[str, str] = {}


_RT = _Runtime()


def set_client(client: Any) -> None:
    """Use ``client`` (a boto3 SageMaker client, e.g. wrapped by a Stubber) instead of creating one; None resets."""
    _RT.client = client


def set_clock(clock: Callable[[], float] | None) -> None:
    """Use ``clock`` (epoch seconds) to measure how long a job has run; None restores ``time.time``."""
    _RT.clock = clock or time.time


def set_sleep(sleep: Callable[[float], None] | None) -> None:
    """Use ``sleep`` between retries; None restores ``time.sleep``."""
    _RT.sleep = sleep or time.sleep


def set_jitter(jitter: Callable[[], float] | None) -> None:
    """Use ``jitter`` (returns a float in [0, 1)) for retry delays; None restores ``random.random``."""
    _RT.jitter = jitter or random.random


def reset() -> None:
    """Forget the cached client and restore the real clock, sleep and jitter."""
    global _RT
    _RT = _Runtime()


# --------------------------------------------------------------------------------------------------------------------
# Logging


def _log(level: int, message: str, **fields: Any) -> None:
    """Write one structured log line: the message, the invocation context and ``fields`` (never request bodies).

    With Lambda's JSON log format (``AWS_LAMBDA_LOG_FORMAT=JSON``) the fields go in ``extra`` and the runtime emits
    them as top-level keys of its JSON line; otherwise the message itself is a JSON object.
    """
    if not LOGGER.isEnabledFor(level):
        return
    fields = {key: value for key, value in {**_RT.log_context, **fields}.items() if value is not None}
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        LOGGER.log(level, message, extra={key: _json_safe(value) for key, value in fields.items()})
    else:
        LOGGER.log(level, json.dumps({"message": message, **fields}, default=str, sort_keys=True))


def _json_safe(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, list)) else str(value)


def _begin_invocation(handler: str, event: Mapping[str, Any], context: Any) -> None:
    """Record the log context and the Lambda deadline for this invocation."""
    _RT.log_context = {
        "handler": handler,
        "requestType": str(event.get("RequestType", "")),
        "logicalResourceId": str(event.get("LogicalResourceId", "")),
        "cfnRequestId": str(event.get("RequestId", "")),
    }
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    _RT.deadline = time.monotonic() + remaining() / 1000.0 - DEADLINE_MARGIN_SECONDS if callable(remaining) else None


# --------------------------------------------------------------------------------------------------------------------
# SageMaker calls with retries


def _client() -> Any:
    """Return the SageMaker client, creating it on first use (endpoint overrides come from AWS_ENDPOINT_URL*)."""
    if _RT.client is None:
        import boto3
        from botocore.config import Config

        config = Config(
            retries={"mode": "standard", "total_max_attempts": CLIENT_MAX_ATTEMPTS},
            user_agent_extra=USER_AGENT_EXTRA,
            connect_timeout=CLIENT_CONNECT_TIMEOUT_SECONDS,
            read_timeout=CLIENT_READ_TIMEOUT_SECONDS,
        )
        _RT.client = boto3.client("sagemaker", config=config)
    return _RT.client


def _classify(error: Exception, extra_retryable: frozenset[str]) -> tuple[bool, str, str] | None:
    """Return (retryable, code, message) for a botocore error, or None when ``error`` is not one."""
    from botocore.exceptions import ClientError, ConnectionError, HTTPClientError, SSLError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", "Unknown"))
        message = str(details.get("Message", "")) or str(error)
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in RETRYABLE_ERROR_CODES or code in extra_retryable or status >= 500, code, message
    if isinstance(error, (ConnectionError, HTTPClientError)) and not isinstance(error, SSLError):
        return True, type(error).__name__, str(error)
    if type(error).__module__.startswith("botocore"):
        return False, type(error).__name__, str(error)
    return None


def _backoff(attempt: int) -> float:
    """Capped exponential backoff with equal jitter for the given 1-based attempt."""
    ceiling = min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1))
    return ceiling / 2 + _RT.jitter() * ceiling / 2


def _call(
    operation: str, job_name: str, params: dict[str, Any], extra_retryable: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Call ``operation`` with ``params``, retrying throttling and transient faults; raise SageMakerError otherwise."""
    method = getattr(_client(), _snake_case(operation))
    slept = 0.0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response: dict[str, Any] = method(**params)
            return response
        except Exception as error:  # classified below; errors that are not botocore's propagate untouched
            verdict = _classify(error, extra_retryable)
            if verdict is None:
                raise
            retryable, code, message = verdict
            delay = _backoff(attempt)
            out_of_time = _out_of_time(delay)
            if not retryable or attempt == MAX_ATTEMPTS or slept + delay > MAX_TOTAL_DELAY_SECONDS or out_of_time:
                raise SageMakerError(operation, job_name, code, message, attempt) from error
            _log(logging.WARNING, "retrying", operation=operation, job=job_name, code=code, attempt=attempt)
            _RT.sleep(delay)
            slept += delay
    raise AssertionError("unreachable")  # pragma: no cover


def _out_of_time(delay: float) -> bool:
    """Whether sleeping ``delay`` and then one more call (at its slowest) would run past the Lambda deadline."""
    return _RT.deadline is not None and time.monotonic() + delay + ATTEMPT_WORST_CASE_SECONDS > _RT.deadline


def _is_iam_denied(error: SageMakerError) -> bool:
    """Whether SageMaker refused a create for IAM reasons that may only be propagation delay."""
    return error.code in IAM_DENIED_CODES or (
        error.code == "ValidationException" and bool(IAM_DENIED_MESSAGE.search(error.service_message))
    )


def _create(desired: Desired) -> None:
    """CreateHyperParameterTuningJob, retrying IAM denials for up to IAM_PROPAGATION_WAIT_SECONDS.

    The handler's policy (iam:PassRole on a new training role, the ARN of a new fixed job name) and the training
    role itself are often created or changed by the same deployment just before this call, and IAM takes seconds to
    propagate. A denied create started nothing, so retrying it is safe; any other error is raised at once.
    """
    name = desired.name
    params = {JOB_NAME_KEY: name, **desired.request}
    waited = 0.0
    for attempt in itertools.count(1):
        try:
            _call(OPERATION_CREATE, name, params)
            return
        except SageMakerError as error:
            if not _is_iam_denied(error):
                raise
            ceiling = min(IAM_MAX_DELAY_SECONDS, IAM_BASE_DELAY_SECONDS * 2 ** (attempt - 1))
            delay = ceiling / 2 + _RT.jitter() * ceiling / 2
            if waited + delay > IAM_PROPAGATION_WAIT_SECONDS or _out_of_time(delay):
                raise SageMakerError(
                    error.operation,
                    name,
                    error.code,
                    error.service_message,
                    attempt,
                    IAM_HINT.format(waited=waited),
                ) from error
            _log(
                logging.WARNING,
                "create denied, waiting for IAM changes to propagate",
                operation=OPERATION_CREATE,
                job=name,
                code=error.code,
                attempt=attempt,
                waitedSeconds=round(waited, 1),
            )
            _RT.sleep(delay)
            waited += delay
    raise AssertionError("unreachable")  # pragma: no cover


def _snake_case(operation: str) -> str:
    """CreateHyperParameterTuningJob -> create_hyper_parameter_tuning_job."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _is_not_found(error: SageMakerError) -> bool:
    """Whether SageMaker said the job does not exist."""
    return error.code in NOT_FOUND_CODES or (
        error.code == "ValidationException" and bool(NOT_FOUND_MESSAGE.search(error.service_message))
    )


def _describe(job_name: str, extra_retryable: frozenset[str] = frozenset()) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob with retries."""
    return _call(OPERATION_DESCRIBE, job_name, {JOB_NAME_KEY: job_name}, extra_retryable)


def _stop(job_name: str) -> bool:
    """Stop a running job. Return False (and succeed) when it already finished or does not exist."""
    try:
        _call(OPERATION_STOP, job_name, {JOB_NAME_KEY: job_name})
    except SageMakerError as error:
        if error.code == "ValidationException" or _is_not_found(error):
            _log(logging.INFO, "stop not needed", job=job_name, code=error.code)
            return False
        raise
    _log(logging.INFO, "stopped job", job=job_name)
    return True


def _stop_quietly(job_name: str, why: str) -> str:
    """Best-effort stop during error handling; return a sentence for the error message."""
    try:
        stopped = _stop(job_name)
    except Exception as error:  # the original error must win; this one is reported alongside it
        _log(logging.ERROR, "could not stop job", job=job_name, reason=why, error=str(error))
        return f" Stopping tuning job '{job_name}' also failed ({error}): stop it by hand."
    if not stopped:
        return f" Tuning job '{job_name}' is not running."
    _log(logging.WARNING, "stopped job after failure", job=job_name, reason=why)
    return f" Tuning job '{job_name}' was stopped so that it does not keep running."


# --------------------------------------------------------------------------------------------------------------------
# Properties: types, names, settings


def _input_shape() -> Any:
    """The CreateHyperParameterTuningJob input shape, from the (cached) client's service model."""
    return _client().meta.service_model.operation_model(OPERATION_CREATE).input_shape


def coerce(value: Any, shape: Any, path: str) -> Any:
    """Restore the API type of ``value`` (CloudFormation strings) following botocore ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        return _coerce_structure(value, shape, path)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise PropertyError(f"{path}: expected a list, got {_describe_value(value)}")
        return [coerce(item, shape.member, f"{path}[{index}]") for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, Mapping):
            raise PropertyError(f"{path}: expected a map of strings, got {_describe_value(value)}")
        return {str(key): coerce(item, shape.value, f"{path}.{key}") for key, item in value.items()}
    converter = _SCALARS.get(kind)
    return converter(value, path) if converter else value


def _coerce_structure(value: Any, shape: Any, path: str) -> dict[str, Any]:
    """Coerce each member of a structure; unknown keys are an error that lists the allowed ones."""
    if not isinstance(value, Mapping):
        raise PropertyError(
            f"{path}: expected an object with keys {sorted(shape.members)}, got {_describe_value(value)}"
        )
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key not in shape.members:
            allowed = ", ".join(sorted(shape.members))
            raise PropertyError(f"{path}.{key}: unknown key for SageMaker shape {shape.name}; allowed keys: {allowed}")
        result[key] = coerce(item, shape.members[key], f"{path}.{key}")
    return result


def _describe_value(value: Any) -> str:
    """A short description of a bad value for error messages (never the whole value)."""
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"


def _to_string(value: Any, path: str) -> str:
    try:
        return contract.api_string(value)
    except TypeError:
        raise PropertyError(f"{path}: expected a string, got {_describe_value(value)}") from None


def _to_int(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise PropertyError(f"{path}: expected an integer, got {_describe_value(value)}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        pass
    try:
        number = _to_float(value, path)  # CloudFormation may render 20 as "20.0" or "2.0E1"
    except PropertyError:
        number = math.nan
    if number.is_integer():
        return int(number)
    raise PropertyError(f"{path}: expected an integer, got {_describe_value(value)}")


def _to_float(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise PropertyError(f"{path}: expected a number, got {_describe_value(value)}")
    try:
        number = float(value if isinstance(value, (int, float)) else str(value).strip())
    except ValueError:
        raise PropertyError(f"{path}: expected a number, got {_describe_value(value)}") from None
    if not math.isfinite(number):
        raise PropertyError(f"{path}: expected a finite number, got {_describe_value(value)}")
    return number


def _to_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise PropertyError(f"{path}: expected true or false, got {_describe_value(value)}")


_SCALARS: dict[str, Callable[[Any, str], Any]] = {
    "string": _to_string,
    "integer": _to_int,
    "long": _to_int,
    "float": _to_float,
    "double": _to_float,
    "boolean": _to_bool,
}


def resolve_request(raw: Any) -> dict[str, Any]:
    """Turn the ``Request`` property into a typed CreateHyperParameterTuningJob request (without the job name)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise PropertyError("Request: expected an object (or its JSON), got a string that is not JSON") from None
    if not isinstance(raw, Mapping) or not raw:
        raise PropertyError(f"Request: expected a non-empty object, got {_describe_value(raw)}")
    if JOB_NAME_KEY in raw:
        raise PropertyError(
            f"Request.{JOB_NAME_KEY}: not allowed here; set the {contract.PROP_TUNING_JOB_NAME} property"
        )
    typed: dict[str, Any] = coerce(raw, _input_shape(), contract.PROP_REQUEST)
    return typed


def validate_request(job_name: str, request: Mapping[str, Any]) -> None:
    """Check the full request against botocore's model (required keys, ranges, types) before any call."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate({JOB_NAME_KEY: job_name, **request}, _input_shape())
    if report.has_errors():
        raise PropertyError(f"Request for tuning job '{job_name}' is invalid: {report.generate_report()}")


def canonical_json(value: Any) -> str:
    """Deterministic compact JSON (sorted keys) used for hashing and comparisons."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def generated_job_name(prefix: str, stack_id: str, logical_id: str, request: Mapping[str, Any]) -> str:
    """``<prefix>-<hash>``: lower-case, at most MAX_JOB_NAME_LENGTH characters, stable for the same inputs."""
    prefix = prefix.lower()
    if not NAME_PREFIX_PATTERN.match(prefix) or len(prefix) > contract.NAME_PREFIX_MAX_LENGTH:
        raise PropertyError(
            f"{contract.PROP_NAME_PREFIX} '{prefix}' is invalid: use 1 to {contract.NAME_PREFIX_MAX_LENGTH} letters, "
            "digits or hyphens, starting with a letter or digit"
        )
    material = canonical_json({"LogicalResourceId": logical_id, "Request": request, "StackId": stack_id})
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[: contract.MAX_JOB_NAME_LENGTH - len(prefix) - 1]}"


def is_job_name(value: Any) -> bool:
    """Whether ``value`` could be a tuning job name (physical ids that are not, e.g. failure markers, are skipped)."""
    return isinstance(value, str) and len(value) <= contract.MAX_JOB_NAME_LENGTH and bool(JOB_NAME_PATTERN.match(value))


class Desired(NamedTuple):
    """What the resource properties ask for."""

    name: str
    request: dict[str, Any]
    fixed_name: bool
    wait: bool
    wait_timeout_seconds: int


def desired_state(event: Mapping[str, Any], properties: Mapping[str, Any]) -> Desired:
    """Parse and validate ``properties`` (ResourceProperties or OldResourceProperties) of ``event``."""
    unknown = sorted(set(properties) - KNOWN_PROPERTIES - PROPERTIES_IGNORED)
    if unknown:
        _log(logging.WARNING, "ignoring unknown properties", keys=unknown)
    if contract.PROP_REQUEST not in properties:
        raise PropertyError(f"ResourceProperties.{contract.PROP_REQUEST} is required")
    request = resolve_request(properties[contract.PROP_REQUEST])
    fixed = properties.get(contract.PROP_TUNING_JOB_NAME)
    if fixed not in (None, ""):
        if not is_job_name(fixed):
            raise PropertyError(
                f"{contract.PROP_TUNING_JOB_NAME} '{fixed}' is invalid: 1 to {contract.MAX_JOB_NAME_LENGTH} letters, "
                "digits and hyphens, starting and ending with a letter or digit"
            )
        name = str(fixed)
    else:
        prefix = properties.get(contract.PROP_NAME_PREFIX)
        if not prefix:
            raise PropertyError(
                f"{contract.PROP_NAME_PREFIX} is required when {contract.PROP_TUNING_JOB_NAME} is not set"
            )
        name = generated_job_name(str(prefix), str(event.get("StackId", "")), str(event["LogicalResourceId"]), request)
    validate_request(name, request)
    return Desired(
        name=name,
        request=request,
        fixed_name=fixed not in (None, ""),
        wait=_wait_flag(properties),
        wait_timeout_seconds=_wait_timeout(properties),
    )


def _wait_flag(properties: Mapping[str, Any]) -> bool:
    value = properties.get(contract.PROP_WAIT_FOR_COMPLETION)
    return False if value in (None, "") else _to_bool(value, contract.PROP_WAIT_FOR_COMPLETION)


def _wait_timeout(properties: Mapping[str, Any]) -> int:
    value = properties.get(contract.PROP_WAIT_TIMEOUT_SECONDS)
    if value in (None, ""):
        return int(contract.MAX_WAIT_TIMEOUT_SECONDS)
    seconds = _to_int(value, contract.PROP_WAIT_TIMEOUT_SECONDS)
    if seconds < 1:
        raise PropertyError(f"{contract.PROP_WAIT_TIMEOUT_SECONDS} must be at least 1, got {seconds}")
    if seconds > contract.MAX_WAIT_TIMEOUT_SECONDS:
        _log(logging.WARNING, "wait timeout capped", requested=seconds, cap=contract.MAX_WAIT_TIMEOUT_SECONDS)
        return int(contract.MAX_WAIT_TIMEOUT_SECONDS)
    return seconds


# --------------------------------------------------------------------------------------------------------------------
# Lifecycle


def _start_or_adopt(desired: Desired, request_type: str) -> tuple[dict[str, Any], bool]:
    """Create the job, or adopt it when it already exists (a retried Create or a rollback).

    Return its description and whether this call started it. If anything fails once this call started the job, the
    job is stopped before the error is raised.
    """
    name = desired.name
    started = False
    try:
        _create(desired)
        started = True
        _log(logging.INFO, "created job", job=name)
    except SageMakerError as error:
        if error.code != "ResourceInUse":
            raise
        _log(logging.INFO, "job exists, adopting it", job=name)
    ours = started or (request_type == "Create" and not desired.fixed_name)
    try:
        # Just after creation the job may not be visible yet: "not found" is retried too.
        description = _describe(name, NOT_FOUND_CODES if started else frozenset())
    except Exception as error:
        if not ours:
            raise
        raise HandlerError(f"{error}.{_stop_quietly(name, 'describe after create failed')}") from error
    if not started and desired.fixed_name and not _matches(desired.request, description):
        raise HandlerError(
            f"A tuning job named '{name}' already exists with a different configuration, and job names are unique "
            f"per account and region. Choose another {contract.PROP_TUNING_JOB_NAME} (tuning_job_name), or remove it "
            "to let sagemaker-hpo-cdk generate a name."
        )
    return description, started


def _check_adopted_by_update(desired: Desired, description: Mapping[str, Any], started: bool) -> None:
    """An Update that adopted a job stopped earlier: warn, and fail when the deployment would wait for it.

    Reverting a stack to an earlier configuration (A -> B -> A) computes A's name again, and A was stopped by the
    Delete that followed A -> B if it was still running. Outside a rollback that cannot be told apart from one (which
    adopts the old job, never stopped by the stack), so the job is adopted either way; waiting for a job that can
    never complete, though, fails at once with what to do.
    """
    status = description.get("HyperParameterTuningJobStatus")
    if started or status != STATUS_STOPPED:
        return
    name = desired.name
    _log(logging.WARNING, "adopted a job that was stopped earlier", job=name, status=status, wait=desired.wait)
    if not desired.wait:
        return
    how = (
        f"set a new {contract.PROP_TUNING_JOB_NAME} (tuning_job_name)"
        if desired.fixed_name
        else f"change any property of the TuningJob (a tag, for example) so that the generated name changes, or set "
        f"a {contract.PROP_TUNING_JOB_NAME} (tuning_job_name)"
    )
    raise HandlerError(
        f"Tuning job '{name}' for this configuration already exists and was stopped earlier (status {status}), for "
        "example by the Delete that followed an earlier update away from this configuration, so this deployment "
        "cannot wait for it to complete: SageMaker cannot restart a tuning job, and job names are unique. To run "
        f"this configuration again, {how}."
    )


def _matches(expected: Any, actual: Any) -> bool:
    """Whether every value of ``expected`` appears in ``actual`` (the service may add defaults; Tags are not echoed)."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key == "Tags" or (key in actual and _matches(value, actual[key])) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(_matches(a, b) for a, b in zip(expected, actual, strict=True))
        )
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return bool(expected == actual)


def _base_data(description: Mapping[str, Any]) -> dict[str, str]:
    return {
        contract.ATTR_TUNING_JOB_NAME: str(description[JOB_NAME_KEY]),
        contract.ATTR_TUNING_JOB_ARN: str(description["HyperParameterTuningJobArn"]),
    }


def _response(physical_id: str, data: dict[str, str]) -> dict[str, Any]:
    return {"PhysicalResourceId": physical_id, "Data": data}


def _on_create(event: Mapping[str, Any]) -> dict[str, Any]:
    desired = desired_state(event, event["ResourceProperties"])
    description, _ = _start_or_adopt(desired, "Create")
    return _response(desired.name, _base_data(description))


def _request_changed(event: Mapping[str, Any], desired: Desired) -> bool:
    """Compare the old and new ``Request`` (typed when possible, raw otherwise)."""
    old_raw = (event.get("OldResourceProperties") or {}).get(contract.PROP_REQUEST)
    try:
        old = resolve_request(old_raw)
    except PropertyError:
        return canonical_json(old_raw) != canonical_json(event["ResourceProperties"].get(contract.PROP_REQUEST))
    return canonical_json(old) != canonical_json(desired.request)


def _on_update(event: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the job when its name is unchanged; otherwise start (or, on a rollback, adopt) the job for the new name."""
    old_id = str(event.get("PhysicalResourceId", ""))
    desired = desired_state(event, event["ResourceProperties"])
    if desired.name.lower() != old_id.lower():
        _log(logging.INFO, "replacing job", job=desired.name, previous=old_id)
        description, started = _start_or_adopt(desired, "Update")
        _check_adopted_by_update(desired, description, started)
        return _response(desired.name, _base_data(description))
    try:
        description = _describe(old_id)
    except SageMakerError as error:
        if not _is_not_found(error):
            raise
        description, started = _start_or_adopt(desired, "Update")
        _check_adopted_by_update(desired, description, started)
    # A generated name hashes the request, so an equal name proves an equal request. A fixed name does not: the
    # request changed if it differs from the old properties AND the existing job does not match it (after a failed
    # update, the rollback's "old" properties are the failed ones while the job still matches the restored request).
    if desired.fixed_name and _request_changed(event, desired) and not _matches(desired.request, description):
        raise PropertyError(
            f"Tuning job '{old_id}' cannot be updated in place: SageMaker tuning jobs are immutable, so a changed "
            f"Request needs a new job with a new name, and {contract.PROP_TUNING_JOB_NAME} is fixed to '{old_id}'. "
            "Change tuning_job_name to a new name, or remove it to let sagemaker-hpo-cdk generate one; CloudFormation "
            "then starts the new job and stops the old one if it is still running."
        )
    _log(logging.INFO, "job unchanged", job=old_id)
    data = _base_data(description)
    if desired.wait and description.get("HyperParameterTuningJobStatus") == STATUS_COMPLETED:
        data = result_data(description)
    return _response(old_id, data)


def _on_delete(event: Mapping[str, Any]) -> dict[str, Any]:
    physical_id = event.get("PhysicalResourceId", "")
    if not is_job_name(physical_id):
        _log(logging.INFO, "physical id is not a job name, nothing to stop", physicalResourceId=str(physical_id))
        return {"PhysicalResourceId": physical_id}
    try:
        description = _describe(physical_id)
    except SageMakerError as error:
        if not _is_not_found(error):
            raise
        _log(logging.INFO, "job does not exist, nothing to stop", job=physical_id)
        return {"PhysicalResourceId": physical_id}
    status = description.get("HyperParameterTuningJobStatus")
    _log(logging.INFO, "deleting resource", job=physical_id, status=status)
    if status == STATUS_IN_PROGRESS:
        _stop(physical_id)
    return {"PhysicalResourceId": physical_id}


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Provider framework ``onEvent``: Create, Update or Delete the tuning job. Raises to fail."""
    _begin_invocation("on_event", event, context)
    request_type = event.get("RequestType")
    handlers = {"Create": _on_create, "Update": _on_update, "Delete": _on_delete}
    if request_type not in handlers:
        raise HandlerError(f"Unsupported RequestType {request_type!r}; expected Create, Update or Delete")
    try:
        result = handlers[request_type](event)
    except Exception as error:
        _log(logging.ERROR, "failed", error=str(error), errorType=type(error).__name__)
        raise
    _log(logging.INFO, "done", job=str(result.get("PhysicalResourceId", "")))
    return result


# --------------------------------------------------------------------------------------------------------------------
# Waiting


def _data_size(data: Mapping[str, str]) -> int:
    return len(json.dumps(data, separators=(",", ":")).encode("utf-8"))


def result_data(description: Mapping[str, Any], budget: int = DATA_BUDGET_BYTES) -> dict[str, str]:
    """Data of a completed job: name, ARN and the best training job, bounded to ``budget`` bytes of JSON.

    The best training job is ``OverallBestTrainingJob`` when SageMaker reports one (a warm start of type
    IdenticalDataAndAlgorithm: the best across the parent jobs and this one), ``BestTrainingJob`` otherwise.
    Per-hyperparameter keys are dropped first (all of them, so attributes never half-exist); then the
    BestHyperparameters JSON is truncated (ending with TRUNCATION_MARKER).
    """
    best = description.get("OverallBestTrainingJob") or description.get("BestTrainingJob") or {}
    tuned = {str(key): str(value) for key, value in (best.get("TunedHyperParameters") or {}).items()}
    objective = (best.get("FinalHyperParameterTuningJobObjectiveMetric") or {}).get("Value")
    data = _base_data(description)
    data[contract.ATTR_BEST_TRAINING_JOB_NAME] = str(best.get("TrainingJobName", ""))
    data[contract.ATTR_BEST_OBJECTIVE_VALUE] = "" if objective is None else str(objective)
    data[contract.ATTR_BEST_HYPERPARAMETERS] = json.dumps(tuned, sort_keys=True, separators=(",", ":"))
    full = {**data, **{f"{contract.ATTR_BEST_HYPERPARAMETER_PREFIX}{k}": v for k, v in sorted(tuned.items())}}
    if _data_size(full) <= budget:
        return full
    _log(logging.WARNING, "result too large, dropping per-hyperparameter attributes", bytes=_data_size(full))
    if _data_size(data) <= budget:
        return data
    return _truncate_best(data, budget)


def _truncate_best(data: dict[str, str], budget: int) -> dict[str, str]:
    """Cut BestHyperparameters (binary search on length) so that the data fits in ``budget`` bytes."""
    text = data[contract.ATTR_BEST_HYPERPARAMETERS]
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        candidate = {**data, contract.ATTR_BEST_HYPERPARAMETERS: text[:middle] + TRUNCATION_MARKER}
        if _data_size(candidate) <= budget:
            low = middle
        else:
            high = middle - 1
    _log(logging.WARNING, "BestHyperparameters truncated", kept=low, total=len(text))
    return {**data, contract.ATTR_BEST_HYPERPARAMETERS: text[:low] + TRUNCATION_MARKER}


def _creation_epoch(description: Mapping[str, Any]) -> float | None:
    created = description.get("CreationTime")
    if isinstance(created, datetime):
        return (created if created.tzinfo else created.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(created, (int, float)):
        return float(created)
    return None


def _already_waited_for(event: Mapping[str, Any]) -> bool:
    """An Update that keeps the job (old and new properties name it) whose old properties waited for it too.

    The deployment that set those old properties waited for this job, so there is nothing to wait for again (e.g.
    only WaitTimeoutSeconds changed). When the old properties did not wait (WaitForCompletion turned on for an
    existing job), the job may still be running and the best training job was never read: it is polled like a new
    job.
    """
    if event.get("RequestType") != "Update":
        return False
    try:
        old = desired_state(event, event.get("OldResourceProperties") or {})
    except PropertyError:
        return False
    return old.wait and old.name.lower() == desired_state(event, event["ResourceProperties"]).name.lower()


def _check_job(job_name: str, timeout_seconds: int) -> dict[str, Any]:
    """One poll of a job the deployment waits for."""
    description = _describe(job_name)
    status = description.get("HyperParameterTuningJobStatus")
    _log(logging.INFO, "polled job", job=job_name, status=status)
    if status == STATUS_COMPLETED:
        return {"IsComplete": True, "Data": result_data(description)}
    if status in (STATUS_FAILED, STATUS_STOPPED):
        reason = description.get("FailureReason") or "SageMaker gave no failure reason"
        raise HandlerError(
            f"Tuning job '{job_name}' ended with status {status}: {reason}. Tuning jobs are immutable: to run it "
            "again, change the request or tuning_job_name."
        )
    if status not in WAITING_STATUSES:
        raise HandlerError(f"Tuning job '{job_name}' has status {status}; cannot wait for it to complete")
    created = _creation_epoch(description)
    elapsed = _RT.clock() - created if created is not None else 0.0
    if elapsed >= timeout_seconds:
        stopped = (
            _stop_quietly(job_name, "wait timeout")
            if status == STATUS_IN_PROGRESS
            else f" Tuning job '{job_name}' is already stopping."
        )
        raise HandlerError(
            f"Tuning job '{job_name}' did not finish within the deployment's wait window "
            f"({contract.PROP_WAIT_TIMEOUT_SECONDS}={timeout_seconds}, counted from the job's creation; it has run "
            f"{elapsed:.0f} s, status {status}).{stopped} Give the TuningJob a shorter max_runtime (the job must "
            "finish well within the window, including the minutes a job spends stopping), or do not wait for it "
            "(wait_for_completion=False)."
        )
    return {"IsComplete": False}


def is_complete(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Provider framework ``isComplete``: report whether a waited-for job has finished. Raises to fail."""
    _begin_invocation("is_complete", event, context)
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    properties = event.get("ResourceProperties") or {}
    data = dict(event.get("Data") or {})
    if not _wait_flag(properties) or _already_waited_for(event):
        return {"IsComplete": True, "Data": data}
    job_name = str(event["PhysicalResourceId"])
    try:
        return _check_job(job_name, _wait_timeout(properties))
    except HandlerError as error:
        _log(logging.ERROR, "failed", job=job_name, error=str(error))
        # After a failed Create the framework ignores the Delete that follows: never leave the job running. (On a
        # failed Update, the rollback and the Delete of the new job take care of it; the old job must not be touched.)
        if event.get("RequestType") == "Create" and isinstance(error, SageMakerError):
            raise HandlerError(f"{error}.{_stop_quietly(job_name, 'polling failed')}") from error
        raise
