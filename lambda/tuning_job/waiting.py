"""Waiting for a job (``is_complete``), and the Data a completed job returns to CloudFormation."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from . import contract
from .errors import HandlerError, PropertyError, SageMakerError
from .lifecycle import stop_quietly
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


def check_job(job_name: str, timeout_seconds: int) -> dict[str, Any]:
    """One poll of a job the deployment waits for."""
    description = describe(job_name)
    status = description.get("HyperParameterTuningJobStatus")
    log(logging.INFO, "polled job", job=job_name, status=status)
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
            f"{elapsed:.0f} s, status {status}).{stopped} Give the TuningJob a shorter max_runtime (the job must "
            "finish well within the window, including the minutes a job spends stopping), or do not wait for it "
            "(wait_for_completion=False)."
        )
    return {"IsComplete": False}


def is_complete(event: Mapping[str, Any]) -> dict[str, Any]:
    """Report whether a waited-for job has finished. Raises to fail."""
    if event.get("RequestType") == "Delete":
        return {"IsComplete": True}
    properties = event.get("ResourceProperties") or {}
    data = dict(event.get("Data") or {})
    if not wait_flag(properties) or already_waited_for(event):
        return {"IsComplete": True, "Data": data}
    job_name = str(event["PhysicalResourceId"])
    try:
        return check_job(job_name, wait_timeout(properties))
    except HandlerError as error:
        log(logging.ERROR, "failed", job=job_name, error=str(error))
        # After a failed Create the framework ignores the Delete that follows: never leave the job running. (On a
        # failed Update, the rollback and the Delete of the new job take care of it; the old job must not be touched.)
        if event.get("RequestType") == "Create" and isinstance(error, SageMakerError):
            raise HandlerError(f"{error}.{stop_quietly(job_name, 'polling failed')}") from error
        raise
