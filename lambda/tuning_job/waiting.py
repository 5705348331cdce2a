"""Waiting for a job (``is_complete``), and the Data a completed job returns to CloudFormation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any, NamedTuple

from . import contract
from .errors import HandlerError, PropertyError, SageMakerError
from .logs import log
from .properties import desired_state, wait_flag, wait_timeout
from .results import result_data
from .runtime import RT
from .sagemaker import (
    STATUS_COMPLETED,
    STATUS_FAILED,
    STATUS_IN_PROGRESS,
    STATUS_STOPPED,
    STATUS_STOPPING,
    describe,
    stop_quietly,
)

WAITING_STATUSES = frozenset({STATUS_IN_PROGRESS, STATUS_STOPPING})


def _creation_epoch(description: Mapping[str, Any]) -> float | None:
    created = description.get("CreationTime")
    if isinstance(created, datetime):
        return (created if created.tzinfo else created.replace(tzinfo=timezone.utc)).timestamp()
    if isinstance(created, (int, float)):
        return float(created)
    return None


def already_waited_for(event: Mapping[str, Any]) -> bool:
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


class WaitState(NamedTuple):
    """What onEvent told ``is_complete`` (``contract.EVENT_STATE_KEY``): whether it started the job, and when."""

    started_job: bool
    wait_started_at: float | None

    @staticmethod
    def of(event: Mapping[str, Any]) -> WaitState:
        state = event.get(contract.EVENT_STATE_KEY)
        if not isinstance(state, Mapping):  # an event of an older handler: only a Create started its job
            return WaitState(event.get("RequestType") == "Create", None)
        try:
            started_at: float | None = float(state.get("waitStartedAt"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            started_at = None
        return WaitState(str(state.get("startedJob")).lower() == "true", started_at)


def check_job(job_name: str, timeout_seconds: int, state: WaitState) -> dict[str, Any]:
    """One poll of a job the deployment waits for."""
    description = describe(job_name)
    status = description.get("HyperParameterTuningJobStatus")
    log(logging.INFO, "polled job", job=job_name, status=status, startedJob=state.started_job)
    if status == STATUS_COMPLETED:
        return {"IsComplete": True, "Data": result_data(description)}
    if status in (STATUS_FAILED, STATUS_STOPPED):
        reason = description.get("FailureReason") or "SageMaker gave no failure reason"
        raise HandlerError(
            f"Tuning job '{job_name}' ended with status {status}: {reason}. Tuning jobs are immutable: to run it "
            f"again, change the request or {contract.CONSTRUCT_PROP_TUNING_JOB_NAME}."
        )
    if status not in WAITING_STATUSES:
        raise HandlerError(f"Tuning job '{job_name}' has status {status}; cannot wait for it to complete")
    if not state.started_job:
        return _check_existing_job(job_name, timeout_seconds, state, status)
    created = _creation_epoch(description)
    elapsed = RT.clock() - created if created is not None else 0.0
    if elapsed >= timeout_seconds:
        stopped = (
            stop_quietly(job_name, "wait timeout")
            if status == STATUS_IN_PROGRESS
            else f" Tuning job '{job_name}' is already stopping."
        )
        raise HandlerError(
            f"Tuning job '{job_name}' did not finish within the deployment's wait window "
            f"({contract.PROP_WAIT_TIMEOUT_SECONDS}={timeout_seconds}, counted from the job's creation; it has run "
            f"{elapsed:.0f} s, status {status}).{stopped} Give the {contract.CONSTRUCT_NAME} a shorter "
            f"{contract.CONSTRUCT_PROP_MAX_RUNTIME} (the job must finish well within the window, including the "
            f"minutes a job spends stopping), or do not wait for it ({contract.CONSTRUCT_PROP_WAIT_FOR_COMPLETION}"
            "=False)."
        )
    return {"IsComplete": False}


def _check_existing_job(job_name: str, timeout_seconds: int, state: WaitState, status: str) -> dict[str, Any]:
    """A job this event did not start (waiting turned on, a rollback): wait within the budget, never stop it."""
    waited = RT.clock() - state.wait_started_at if state.wait_started_at is not None else 0.0
    if waited < timeout_seconds:
        return {"IsComplete": False}
    raise HandlerError(
        f"Tuning job '{job_name}' is still {status} after this deployment waited {waited:.0f} s for it "
        f"({contract.PROP_WAIT_TIMEOUT_SECONDS}={timeout_seconds}, counted from the start of the wait: this "
        "deployment did not start the job). It was not stopped and keeps running. Deploy again once it has "
        f"finished, or do not wait for it ({contract.CONSTRUCT_PROP_WAIT_FOR_COMPLETION}=False)."
    )


def is_complete(event: Mapping[str, Any]) -> dict[str, Any]:
    """Report whether a waited-for job has finished. Raises to fail."""
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    properties = event.get("ResourceProperties") or {}
    data = dict(event.get("Data") or {})
    if not wait_flag(properties) or already_waited_for(event):
        return {"IsComplete": True, "Data": data}
    job_name = str(event["PhysicalResourceId"])
    state = WaitState.of(event)
    try:
        return check_job(job_name, wait_timeout(properties), state)
    except HandlerError as error:
        log(logging.ERROR, "failed", job=job_name, error=str(error))
        # After a failed Create the framework ignores the Delete that follows: never leave a job this Create started
        # running. (A failed Update reports the new id, so the rollback's Delete stops the new job; a job this event
        # did not start is never stopped here.)
        if event.get("RequestType") == "Create" and state.started_job and isinstance(error, SageMakerError):
            raise HandlerError(f"{error}.{stop_quietly(job_name, 'polling failed')}") from error
        raise
