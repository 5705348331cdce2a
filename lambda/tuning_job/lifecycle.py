"""Create, Update and Delete of the tuning job (``on_event``).

* Generated job names are ``<NamePrefix>-<sha256 of (StackId, LogicalResourceId, typed Request)>``: a retried Create
  computes the same name. A job found under that name ("already exists") is adopted only when its owner tags and
  request hash say it is this resource's job with this request (:mod:`.ownership`); anything else is left alone.
* Tuning jobs are immutable: a changed request is a replacement (new name, new physical id); CloudFormation then
  sends Delete for the old id, which stops the old job if this resource owns it and it is still running. An Update
  that keeps the name starts nothing, ever. Nothing is ever deleted.
* No orphans: a job this event created is stopped whenever the event then fails, because a failed event reports the
  old physical id and CloudFormation would never learn the new job's name. A job this event may have created (a lost
  or missing answer) is stopped only once its tags confirm it, and the rollback of a failed Update stops the job
  that Update may have started (:mod:`.orphans`). A job whose owner cannot be confirmed is never stopped or adopted.
* A Create never adopts its resource's earlier job that is no longer running (a resource removed and added again).
* The event's size is checked against the Step Functions waiter's input limit before anything is started.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from . import contract
from .errors import HandlerError, PropertyError, SageMakerError
from .iam_propagation import create_job
from .logs import log
from .orphans import (
    check_time_to_start,
    describe_visible,
    look_up,
    stop_if_created,
    stop_unreported_job,
    unconfirmed,
)
from .ownership import Verdict, describe_owner, is_owned, owner_of
from .properties import Desired, canonical_json, desired_state, is_job_name, job_arn_from_stack, resolve_request
from .results import base_data, result_data
from .runtime import RT
from .sagemaker import (
    STATUS_COMPLETED,
    STATUS_FAILED,
    STATUS_IN_PROGRESS,
    STATUS_STOPPED,
    STATUS_STOPPING,
    describe,
    is_already_exists,
    is_not_found,
    list_tags,
    may_have_reached_sagemaker,
    stop,
    stop_quietly,
)
from .waiting import already_waited_for

#: Statuses of a job that will never run again: a Create does not adopt its resource's earlier job in one of them.
ENDED_WITHOUT_RESULT = frozenset({STATUS_STOPPING, STATUS_STOPPED, STATUS_FAILED})
TUNING_JOB_NAME = f"{contract.PROP_TUNING_JOB_NAME} ({contract.CONSTRUCT_PROP_TUNING_JOB_NAME})"


def response(physical_id: str, data: dict[str, str], *, started: bool | None = None) -> dict[str, Any]:
    """The onEvent result; ``started`` (Create and Update) tells ``is_complete`` whether this event started the job."""
    result: dict[str, Any] = {"PhysicalResourceId": physical_id, "Data": data}
    if started is not None:
        result[contract.EVENT_STATE_KEY] = {
            "startedJob": "true" if started else "false",
            "waitStartedAt": repr(float(RT.clock())),
        }
    return result


def check_event_size(event: Mapping[str, Any]) -> None:
    """Fail before anything starts when the waiter's input (this event plus the onEvent result) would be too big."""
    body = {key: value for key, value in event.items() if key != "ResponseURL"}
    size = len(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    if size + contract.WAITER_EVENT_ALLOWANCE_BYTES <= contract.WAITER_INPUT_LIMIT_BYTES:
        return
    raise PropertyError(
        f"This {event.get('RequestType')} event is {size} bytes: with the response URL and the onEvent result the "
        f"Provider framework's waiter input would pass Step Functions' {contract.WAITER_INPUT_LIMIT_BYTES}-byte "
        "limit (an Update carries the old and the new properties), so the waiter could not start and CloudFormation "
        "would never learn the new job's name. Nothing was started. Make the request smaller: fewer or shorter "
        "static hyperparameters, environment values or tags."
    )


def start_or_adopt(desired: Desired) -> tuple[dict[str, Any], bool]:
    """Create the job, or adopt the one that exists under its name when it is this resource's.

    Return its description and whether this event started it. If anything fails once this event started the job,
    the job is stopped before the error is raised; one it may have started (no answer to the create) is stopped only
    when its tags show that this event created it (:mod:`.orphans`).
    """
    name = desired.name
    check_time_to_start(desired)
    try:
        create_job(name, desired.create_request)
    except SageMakerError as error:
        if is_already_exists(error):
            # An earlier request of this call (retried by botocore) may have created the job before its answer was
            # lost: the tags tell (the request-id tag is this event's); if they cannot be read, it is left alone.
            return _adopt_existing(desired, may_be_ours=(error.attempts or 1) > 1)
        if may_have_reached_sagemaker(error):
            raise HandlerError(f"{error}.{stop_if_created(desired)}") from error
        raise
    log(logging.INFO, "created job", job=name)
    try:
        description = describe_visible(name)
    except Exception as error:
        raise HandlerError(f"{error}.{stop_quietly(name, 'describe after create failed')}") from error
    return description, True


def _adopt_existing(desired: Desired, *, may_be_ours: bool) -> tuple[dict[str, Any], bool]:
    """The create said the name is taken: adopt the job only when its tags confirm it is this resource's."""
    name = desired.name
    found = look_up(desired, known_to_exist=True)
    verdict = found.verdict(desired)
    if verdict is Verdict.CREATED_BY_THIS_EVENT and found.description is None:
        # This event's own job (its request-id tag says so), but it cannot be described: stop it and fail.
        raise HandlerError(f"{found.error}.{stop_quietly(name, 'create answer lost, describe failed')}")
    if verdict is None:
        raise unconfirmed(desired, found.error, may_be_ours=may_be_ours)
    log(logging.INFO, "job exists", job=name, verdict=verdict.value)
    if verdict in (Verdict.CREATED_BY_THIS_EVENT, Verdict.OURS):
        if found.description is None:
            raise HandlerError(f"{found.error}. Tuning job '{name}' ({verdict.value}) was left untouched.")
        return found.description, verdict is Verdict.CREATED_BY_THIS_EVENT
    if verdict is Verdict.OURS_OTHER_REQUEST:
        raise HandlerError(
            f"A tuning job named '{name}' already exists with a different configuration (this resource created it "
            "for another request), and tuning jobs are immutable; it was left untouched. Choose another "
            f"{TUNING_JOB_NAME}, or remove it to let sagemaker-hpo-cdk generate a name."
        )
    raise HandlerError(
        f"A tuning job named '{name}' already exists and is not this resource's ({describe_owner(found.tags or {})}); "
        "it was left untouched. Job names are unique per account and region and compare case-insensitively. Choose "
        f"another {TUNING_JOB_NAME}, or remove it to let sagemaker-hpo-cdk generate a name."
    )


def _how_to_run_again(desired: Desired) -> str:
    """What to change so that this configuration runs as a new job (names are unique, jobs cannot restart)."""
    if desired.fixed_name:
        return f"set a new {TUNING_JOB_NAME}"
    return (
        f"change any property of the {contract.CONSTRUCT_NAME} (a tag, for example) so that the generated name "
        f"changes, or set a {TUNING_JOB_NAME}"
    )


def _check_adopted_by_create(desired: Desired, description: Mapping[str, Any], started: bool) -> None:
    """A Create never adopts its resource's earlier job that will not run again (a resource removed and re-added).

    The Delete of a removed resource stops its job; adding the resource back with the same request computes the same
    name. Unlike an Update (where a rollback adopts the old job as it is), a Create is never a rollback, so a job that
    is stopping, stopped or failed is refused with what to do. A completed job is adopted (its results are this
    configuration's), with a warning.
    """
    status = description.get("HyperParameterTuningJobStatus")
    if started or status == STATUS_IN_PROGRESS:
        return
    name = desired.name
    if status not in ENDED_WITHOUT_RESULT:
        log(logging.WARNING, "adopted a job that finished earlier", job=name, status=status)
        return
    raise HandlerError(
        f"Tuning job '{name}' for this configuration already exists from an earlier deployment of this resource "
        f"and is no longer running (status {status}), for example because the resource was removed from the stack, "
        "which stopped its job, and added again; it was not adopted: SageMaker cannot restart a tuning job, and job "
        f"names are unique. To run this configuration again, {_how_to_run_again(desired)}."
    )


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
    raise HandlerError(
        f"Tuning job '{name}' for this configuration already exists and was stopped earlier (status {status}), for "
        "example by the Delete that followed an earlier update away from this configuration, so this deployment "
        "cannot wait for it to complete: SageMaker cannot restart a tuning job, and job names are unique. To run "
        f"this configuration again, {_how_to_run_again(desired)}."
    )


def matches(expected: Any, actual: Any) -> bool:
    """Whether every value of ``expected`` appears in ``actual`` (the service may add defaults; Tags are not echoed).

    Only for jobs created before the request-hash tag existed; everything else compares the hash exactly.
    """
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
    check_event_size(event)
    description, started = start_or_adopt(desired)
    _check_adopted_by_create(desired, description, started)
    return response(desired.name, base_data(description), started=started)


def _request_changed(event: Mapping[str, Any], desired: Desired) -> bool:
    """Compare the old and new ``Request`` (typed when possible, raw otherwise), tags included."""
    old_raw = (event.get("OldResourceProperties") or {}).get(contract.PROP_REQUEST)
    try:
        old = resolve_request(old_raw)
    except PropertyError:
        return canonical_json(old_raw) != canonical_json(event["ResourceProperties"].get(contract.PROP_REQUEST))
    return canonical_json(old) != canonical_json(desired.request)


def _check_fixed_name_unchanged(event: Mapping[str, Any], desired: Desired, description: Mapping[str, Any]) -> None:
    """A fixed name keeps its job only for the very request that job runs (tags included); else refuse clearly.

    The job's request-hash tag is compared (after a refused update the rollback's "old" properties are the refused
    ones, while the job still runs the restored request). Jobs without the tag fall back to comparing properties.
    """
    old_id = desired.name
    tags = list_tags(old_id, str(description["HyperParameterTuningJobArn"]))
    recorded = tags.get(contract.OWNER_TAG_REQUEST_SHA256)
    if recorded is not None:
        changed = recorded != desired.request_hash
    else:
        changed = _request_changed(event, desired) and not matches(desired.request, description)
    if not changed:
        return
    raise PropertyError(
        f"Tuning job '{old_id}' cannot be updated in place: SageMaker tuning jobs are immutable, so any change of the "
        f"Request (its tags included) needs a new job with a new name, and {TUNING_JOB_NAME} is fixed to "
        f"'{old_id}'. Change {contract.CONSTRUCT_PROP_TUNING_JOB_NAME} to a new name, or remove it to let "
        "sagemaker-hpo-cdk generate one; CloudFormation then starts the new job and stops the old one if it is "
        "still running."
    )


def _update_of_missing_job(event: Mapping[str, Any], desired: Desired) -> dict[str, Any]:
    """The job behind an unchanged name is gone (its record was deleted outside CloudFormation): start nothing."""
    name = desired.name
    if desired.wait and not already_waited_for(event):
        raise HandlerError(
            f"Tuning job '{name}' no longer exists (its record was deleted outside CloudFormation), so this update "
            f"cannot wait for it. An update that changes only handler-side settings ({contract.PROP_WAIT_FOR_COMPLETION}, "
            f"{contract.PROP_WAIT_TIMEOUT_SECONDS}) never starts a job; to run it again, change the request or "
            f"{TUNING_JOB_NAME}."
        )
    log(logging.WARNING, "job no longer exists; nothing started", job=name)
    data = {
        contract.ATTR_TUNING_JOB_NAME: name,
        contract.ATTR_TUNING_JOB_ARN: job_arn_from_stack(name, str(event.get("StackId", ""))),
    }
    return response(name, data, started=False)


def on_update(event: Mapping[str, Any]) -> dict[str, Any]:
    """Keep the job when its name is unchanged (never creating one); otherwise start or adopt the new name's job."""
    old_id = str(event.get("PhysicalResourceId", ""))
    desired = desired_state(event, event["ResourceProperties"])
    check_event_size(event)
    stop_unreported_job(event, desired)
    if desired.name.lower() != old_id.lower():
        log(logging.INFO, "replacing job", job=desired.name, previous=old_id)
        description, started = start_or_adopt(desired)
        _check_adopted_by_update(desired, description, started)
        return response(desired.name, base_data(description), started=started)
    try:
        description = describe(old_id)
    except SageMakerError as error:
        if not is_not_found(error):
            raise
        return _update_of_missing_job(event, desired)
    if desired.fixed_name:
        _check_fixed_name_unchanged(event, desired, description)
    log(logging.INFO, "job unchanged", job=old_id)
    data = base_data(description)
    if desired.wait and description.get("HyperParameterTuningJobStatus") == STATUS_COMPLETED:
        data = result_data(description)
    return response(old_id, data, started=False)


def on_delete(event: Mapping[str, Any]) -> dict[str, Any]:
    """Stop the job if it runs and this resource owns it; otherwise succeed without touching it."""
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
    if status != STATUS_IN_PROGRESS:
        return {"PhysicalResourceId": physical_id}
    tags = list_tags(physical_id, str(description["HyperParameterTuningJobArn"]))
    try:
        owner = owner_of(event, event.get("ResourceProperties") or {})
    except PropertyError:
        owner = {key: "" for key in contract.OWNER_TAG_KEYS}
    if not is_owned(tags, owner):
        log(
            logging.WARNING,
            "job is not this resource's: left running",
            job=physical_id,
            owner=describe_owner(tags),
            reason="Delete stops only jobs whose sagemaker-hpo owner tags name this stack, resource and provider",
        )
        return {"PhysicalResourceId": physical_id}
    stop(physical_id)
    return {"PhysicalResourceId": physical_id}
