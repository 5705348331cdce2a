"""The SageMaker client and its ONE retry policy, and the calls the handler makes.

Retries: botocore's ``standard`` retry mode, with :data:`CLIENT_MAX_ATTEMPTS` HTTP requests per call in total (the
first one included). botocore retries throttling, 5xx responses and connection/read timeouts with full-jitter
exponential backoff (base 1 s for throttling, 50 ms otherwise, capped at 20 s), so a call throttled on every request
makes exactly :data:`CLIENT_MAX_ATTEMPTS` HTTP requests and sleeps at most :data:`MAX_BACKOFF_SECONDS` between them.
Nothing here retries on top of that: :func:`call` turns botocore's final error into a :class:`SageMakerError`.

One separate concern, not a retry of the same fault: a ``CreateHyperParameterTuningJob`` *denied* while IAM changes
of the same deployment propagate is tried again by :func:`.iam_propagation.create_job`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import contract
from .errors import SageMakerError
from .logs import log
from .runtime import RT

USER_AGENT_EXTRA = f"sagemaker-hpo-cdk/{contract.LIBRARY_VERSION}"
OPERATION_CREATE = "CreateHyperParameterTuningJob"
OPERATION_DESCRIBE = "DescribeHyperParameterTuningJob"
OPERATION_STOP = "StopHyperParameterTuningJob"
OPERATION_LIST_TAGS = "ListTags"
JOB_NAME_KEY = "HyperParameterTuningJobName"

#: HTTP requests per SageMaker call, in total (botocore ``standard`` mode's ``total_max_attempts``).
CLIENT_MAX_ATTEMPTS = 5
CLIENT_CONNECT_TIMEOUT_SECONDS = 5
CLIENT_READ_TIMEOUT_SECONDS = 20
#: botocore's standard-mode backoff: ``rand(0, 1) * min(base * 2 ** i, 20)`` before retry ``i + 1``.
BACKOFF_CAP_SECONDS = 20
THROTTLING_BACKOFF_BASE_SECONDS = 1
#: The most botocore sleeps in one call (all retries throttled, jitter at its maximum): 1 + 2 + 4 + 8 = 15 s.
MAX_BACKOFF_SECONDS = float(
    sum(min(THROTTLING_BACKOFF_BASE_SECONDS * 2**i, BACKOFF_CAP_SECONDS) for i in range(CLIENT_MAX_ATTEMPTS - 1))
)
#: The longest one call can take (every request timing out, every backoff at its maximum).
CALL_WORST_CASE_SECONDS = (
    CLIENT_MAX_ATTEMPTS * (CLIENT_CONNECT_TIMEOUT_SECONDS + CLIENT_READ_TIMEOUT_SECONDS) + MAX_BACKOFF_SECONDS
)


def out_of_time(delay: float = 0.0) -> bool:
    """Whether waiting ``delay`` seconds and then one more call (at its slowest) would run past the Lambda deadline."""
    left = RT.seconds_left()
    return left is not None and delay + CALL_WORST_CASE_SECONDS > left


NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ResourceNotFoundException"})
NOT_FOUND_MESSAGE = re.compile(r"does not exist|not found|could not find|can't find|cannot find", re.IGNORECASE)
ALREADY_EXISTS_CODES = frozenset({"ResourceInUse"})
#: botocore errors after which the request may have been processed: it was sent, the answer never came.
UNANSWERED_ERRORS = frozenset({"ReadTimeoutError", "ConnectionClosedError", "ResponseStreamingError"})
#: A job has at most 50 tags: one page of ListTags; a few more pages are read if the service ever pages.
MAX_TAG_PAGES = 5

# Job statuses (DescribeHyperParameterTuningJob).
STATUS_IN_PROGRESS = "InProgress"
STATUS_STOPPING = "Stopping"
STATUS_COMPLETED = "Completed"
STATUS_FAILED = "Failed"
STATUS_STOPPED = "Stopped"


def client_config() -> Any:
    """The botocore configuration of the handler's client: the one retry policy, timeouts, user agent."""
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "total_max_attempts": CLIENT_MAX_ATTEMPTS},
        user_agent_extra=USER_AGENT_EXTRA,
        connect_timeout=CLIENT_CONNECT_TIMEOUT_SECONDS,
        read_timeout=CLIENT_READ_TIMEOUT_SECONDS,
    )


def client() -> Any:
    """Return the SageMaker client, creating it on first use (endpoint overrides come from AWS_ENDPOINT_URL*)."""
    if RT.client is None:
        import boto3

        RT.client = boto3.client("sagemaker", config=client_config())
    return RT.client


def _snake_case(operation: str) -> str:
    """CreateHyperParameterTuningJob -> create_hyper_parameter_tuning_job."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


def _error_details(error: Exception) -> tuple[str, str, int | None, int | None] | None:
    """(code, message, HTTP requests made, HTTP status) of a botocore error, or None when it is not one."""
    from botocore.exceptions import ClientError

    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", "Unknown"))
        message = str(details.get("Message", "")) or str(error)
        metadata = error.response.get("ResponseMetadata", {})
        retries = metadata.get("RetryAttempts")
        status = metadata.get("HTTPStatusCode")
        return code, message, None if retries is None else int(retries) + 1, None if status is None else int(status)
    if type(error).__module__.startswith("botocore"):
        return type(error).__name__, str(error), None, None
    return None


def call(operation: str, job_name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Call ``operation`` once (botocore retries inside); raise :class:`SageMakerError` when it fails."""
    method = getattr(client(), _snake_case(operation))
    try:
        response: dict[str, Any] = method(**params)
    except Exception as error:  # classified below; errors that are not botocore's propagate untouched
        details = _error_details(error)
        if details is None:
            raise
        code, message, attempts, status = details
        raise SageMakerError(operation, job_name, code, message, attempts, status=status) from error
    return response


def is_not_found(error: SageMakerError) -> bool:
    """Whether SageMaker said the job does not exist."""
    return error.code in NOT_FOUND_CODES or (
        error.code == "ValidationException" and bool(NOT_FOUND_MESSAGE.search(error.service_message))
    )


def may_have_reached_sagemaker(error: SageMakerError) -> bool:
    """Whether a failed call may still have taken effect: sent but unanswered (read timeout, connection closed), or
    a 5xx. A connect timeout or a refused connection never reached SageMaker."""
    if error.status is not None:
        return error.status >= 500
    return error.code in UNANSWERED_ERRORS


def is_already_exists(error: SageMakerError) -> bool:
    """Whether a create was refused because a job of that name (compared case-insensitively) exists."""
    return error.code in ALREADY_EXISTS_CODES


def describe(job_name: str) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob."""
    return call(OPERATION_DESCRIBE, job_name, {JOB_NAME_KEY: job_name})


def list_tags(job_name: str, job_arn: str) -> dict[str, str]:
    """ListTags of a job, all pages, as a mapping (DescribeHyperParameterTuningJob does not return tags)."""
    tags: dict[str, str] = {}
    params: dict[str, Any] = {"ResourceArn": job_arn, "MaxResults": 100}
    for _page in range(MAX_TAG_PAGES):
        response = call(OPERATION_LIST_TAGS, job_name, params)
        tags.update({str(tag["Key"]): str(tag.get("Value", "")) for tag in response.get("Tags") or []})
        token = response.get("NextToken")
        if not token:
            break
        params = {**params, "NextToken": token}
    return tags


def stop(job_name: str) -> bool:
    """StopHyperParameterTuningJob. Return False (and succeed) when the job already finished or does not exist."""
    try:
        call(OPERATION_STOP, job_name, {JOB_NAME_KEY: job_name})
    except SageMakerError as error:
        if error.code == "ValidationException" or is_not_found(error):
            log(logging.INFO, "stop not needed", job=job_name, code=error.code)
            return False
        raise
    log(logging.INFO, "stopped job", job=job_name)
    return True


def stop_quietly(job_name: str, why: str) -> str:
    """Best-effort stop during error handling; return a sentence for the error message."""
    try:
        stopped = stop(job_name)
    except Exception as error:  # the original error must win; this one is reported alongside it
        log(logging.ERROR, "could not stop job", job=job_name, reason=why, error=str(error))
        return f" Stopping tuning job '{job_name}' also failed ({error}): stop it by hand."
    if not stopped:
        return f" Tuning job '{job_name}' is not running."
    log(logging.WARNING, "stopped job after failure", job=job_name, reason=why)
    return f" Tuning job '{job_name}' was stopped so that it does not keep running."
