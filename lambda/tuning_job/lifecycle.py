"""Create, Update and Delete of the tuning job (``on_event``).

* Generated job names are ``<NamePrefix>-<sha256 of (StackId, LogicalResourceId, typed Request)>``: a retried Create
  computes the same name, so ``ResourceInUse`` means "our job already exists" and the job is adopted, never doubled.
* Tuning jobs are immutable: a changed request is a replacement (new name, new physical id); CloudFormation then
  sends Delete for the old id, which stops the old job if it is still running. Nothing is ever deleted.
* Any job started by a Create that then fails is stopped before the error is raised, because the Provider framework
  ignores the Delete that follows a failed Create.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from . import contract
from .errors import HandlerError, PropertyError, SageMakerError
from .iam_propagation import create_job
from .logs import log
from .properties import Desired, canonical_json, desired_state, is_job_name, resolve_request
from .results import base_data, response, result_data
from .runtime import RT
from .sagemaker import (
    STATUS_COMPLETED,
    STATUS_IN_PROGRESS,
    STATUS_STOPPED,
    describe,
    is_already_exists,
    is_not_found,
    stop,
)

#: Describe calls right after a create that may still answer "not found" (the job is not visible yet), and the
#: pause before each further one.
VISIBILITY_DESCRIBES = 3
VISIBILITY_DELAY_SECONDS = 1.0


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


def describe_created(job_name: str) -> dict[str, Any]:
    """Describe a job this call just created: "not found" may only mean it is not visible yet."""
    for attempt in range(1, VISIBILITY_DESCRIBES + 1):
        try:
            return describe(job_name)
        except SageMakerError as error:
            if not is_not_found(error) or attempt == VISIBILITY_DESCRIBES:
                raise
            log(logging.INFO, "new job not visible yet", job=job_name, attempt=attempt)
            RT.sleep(VISIBILITY_DELAY_SECONDS * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _start_or_adopt(desired: Desired, request_type: str) -> tuple[dict[str, Any], bool]:
    """Create the job, or adopt it when it already exists (a retried Create or a rollback).

    Return its description and whether this call started it. If anything fails once this call started the job, the
    job is stopped before the error is raised.
    """
    name = desired.name
    started = False
    try:
        create_job(desired.name, desired.request)
        started = True
        log(logging.INFO, "created job", job=name)
    except SageMakerError as error:
        if not is_already_exists(error):
            raise
        log(logging.INFO, "job exists, adopting it", job=name)
    ours = started or (request_type == "Create" and not desired.fixed_name)
    try:
        # Just after creation the job may not be visible yet: "not found" is retried too.
        description = describe_created(name) if started else describe(name)
    except Exception as error:
        if not ours:
            raise
        raise HandlerError(f"{error}.{stop_quietly(name, 'describe after create failed')}") from error
    if not started and desired.fixed_name and not matches(desired.request, description):
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
    log(logging.WARNING, "adopted a job that was stopped earlier", job=name, status=status, wait=desired.wait)
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


def matches(expected: Any, actual: Any) -> bool:
    """Whether every value of ``expected`` appears in ``actual`` (the service may add defaults; Tags are not echoed)."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key == "Tags" or (key in actual and matches(value, actual[key])) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(matches(a, b) for a, b in zip(expected, actual, strict=True))
        )
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, (int, float)):
        return float(expected) == float(actual)
    return bool(expected == actual)


def on_create(event: Mapping[str, Any]) -> dict[str, Any]:
    desired = desired_state(event, event["ResourceProperties"])
    description, _ = _start_or_adopt(desired, "Create")
    return response(desired.name, base_data(description))


def _request_changed(event: Mapping[str, Any], desired: Desired) -> bool:
    """Compare the old and new ``Request`` (typed when possible, raw otherwise)."""
    old_raw = (event.get("OldResourceProperties") or {}).get(contract.PROP_REQUEST)
    try:
        old = resolve_request(old_raw)
    except PropertyError:
        return canonical_json(old_raw) != canonical_json(event["ResourceProperties"].get(contract.PROP_REQUEST))
    return canonical_json(old) != canonical_json(desired.request)


def on_update(event: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the job when its name is unchanged; otherwise start (or, on a rollback, adopt) the job for the new name."""
    old_id = str(event.get("PhysicalResourceId", ""))
    desired = desired_state(event, event["ResourceProperties"])
    if desired.name.lower() != old_id.lower():
        log(logging.INFO, "replacing job", job=desired.name, previous=old_id)
        description, started = _start_or_adopt(desired, "Update")
        _check_adopted_by_update(desired, description, started)
        return response(desired.name, base_data(description))
    try:
        description = describe(old_id)
    except SageMakerError as error:
        if not is_not_found(error):
            raise
        description, started = _start_or_adopt(desired, "Update")
        _check_adopted_by_update(desired, description, started)
    # A generated name hashes the request, so an equal name proves an equal request. A fixed name does not: the
    # request changed if it differs from the old properties AND the existing job does not match it (after a failed
    # update, the rollback's "old" properties are the failed ones while the job still matches the restored request).
    if desired.fixed_name and _request_changed(event, desired) and not matches(desired.request, description):
        raise PropertyError(
            f"Tuning job '{old_id}' cannot be updated in place: SageMaker tuning jobs are immutable, so a changed "
            f"Request needs a new job with a new name, and {contract.PROP_TUNING_JOB_NAME} is fixed to '{old_id}'. "
            "Change tuning_job_name to a new name, or remove it to let sagemaker-hpo-cdk generate one; CloudFormation "
            "then starts the new job and stops the old one if it is still running."
        )
    log(logging.INFO, "job unchanged", job=old_id)
    data = base_data(description)
    if desired.wait and description.get("HyperParameterTuningJobStatus") == STATUS_COMPLETED:
        data = result_data(description)
    return response(old_id, data)


def on_delete(event: Mapping[str, Any]) -> dict[str, Any]:
    physical_id = event.get("PhysicalResourceId", "")
    if not is_job_name(physical_id):
        log(logging.INFO, "physical id is not a job name, nothing to stop", physicalResourceId=str(physical_id))
        return {"PhysicalResourceId": physical_id}
    try:
        description = describe(physical_id)
    except SageMakerError as error:
        if not is_not_found(error):
            raise
        log(logging.INFO, "job does not exist, nothing to stop", job=physical_id)
        return {"PhysicalResourceId": physical_id}
    status = description.get("HyperParameterTuningJobStatus")
    log(logging.INFO, "deleting resource", job=physical_id, status=status)
    if status == STATUS_IN_PROGRESS:
        stop(physical_id)
    return {"PhysicalResourceId": physical_id}
