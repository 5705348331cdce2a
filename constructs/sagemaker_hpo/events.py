"""EventBridge: the events SageMaker sends when a tuning job changes state, and rules on one job's events."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from aws_cdk import aws_events as events
from constructs import Construct

from .handlers.job_waiter import contract as waiter_contract


class TuningJobStatus(str, Enum):
    """A tuning job's status (the API's ``HyperParameterTuningJobStatus``), as its state-change events carry it."""

    #: The job is running training jobs.
    IN_PROGRESS = "InProgress"
    #: The job finished: its best training job is known.
    COMPLETED = "Completed"
    #: The job failed (``FailureReason`` says why).
    FAILED = "Failed"
    #: The job is being stopped.
    STOPPING = "Stopping"
    #: The job was stopped (by ``StopHyperParameterTuningJob``, or when a deployment that owns it rolled back).
    STOPPED = "Stopped"
    #: The job is being deleted.
    DELETING = "Deleting"
    #: Deleting the job failed.
    DELETE_FAILED = "DeleteFailed"


#: The statuses that end a job.
FINAL_STATUSES = (TuningJobStatus.COMPLETED, TuningJobStatus.FAILED, TuningJobStatus.STOPPED)


def state_change_pattern(
    tuning_job_name: str, statuses: Sequence[TuningJobStatus] | None = None
) -> events.EventPattern:
    """The event pattern of one job's state-change events (its name compared ignoring case, as SageMaker does),
    optionally only those reporting one of ``statuses``."""
    detail: dict[str, object] = {waiter_contract.DETAIL_JOB_NAME: events.Match.equals_ignore_case(tuning_job_name)}
    if statuses:
        detail[waiter_contract.DETAIL_JOB_STATUS] = [TuningJobStatus(status).value for status in statuses]
    return events.EventPattern(
        source=[waiter_contract.EVENT_SOURCE], detail_type=[waiter_contract.EVENT_DETAIL_TYPE], detail=detail
    )


def state_change_rule(
    scope: Construct,
    construct_id: str,
    tuning_job_name: str,
    *,
    target: events.IRuleTarget | None = None,
    statuses: Sequence[TuningJobStatus] | None = None,
    description: str | None = None,
    rule_name: str | None = None,
) -> events.Rule:
    """An EventBridge rule on the default bus matching the state-change events of the job ``tuning_job_name``."""
    rule = events.Rule(
        scope,
        construct_id,
        event_pattern=state_change_pattern(tuning_job_name, statuses),
        description=description,
        rule_name=rule_name,
    )
    if target is not None:
        rule.add_target(target)
    return rule
