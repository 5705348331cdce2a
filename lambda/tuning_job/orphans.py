"""Jobs CloudFormation may never learn of, and the owner checks that decide what may be done with them.

A create whose answer was lost (botocore's retry then sees "already exists") or never came (every request timed out
or failed with a 5xx) may have started its job; an Update whose answer never reached CloudFormation (the function
ran out of time, or the owner check below failed) may have left a job running that only its name, which follows from
the event, can find. Everything here fails closed:

* A job found by name is stopped or adopted only once its owner tags have been read; a job whose tags cannot be read
  (throttling, AccessDenied, describe lag) is left untouched and the event fails saying so, because it may be
  another stack's. The one exception: a job this very event created (its create was answered, or its request-id
  tag is this event's).
* When describe fails, the tags are read by the ARN the job's name has in the stack's partition, region and account
  (SageMaker lower-cases the name in it), so a throttled describe does not hide this event's own job.
* "Not found" right after a create may only mean that the job is not visible yet (SageMaker is eventually
  consistent): describe is asked again, after 1, 2, 4, 8, 8 ... s, for up to :data:`VISIBILITY_WAIT_SECONDS` and
  never past the Lambda deadline, before anything is concluded.
* A create is never sent with less time left than one call may take (:func:`check_time_to_start`): the job it starts
  could be neither confirmed nor stopped.
* The rollback that follows a failed Update stops the job that Update may have started (:func:`stop_unreported_job`).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from typing import Any, NamedTuple

from . import contract
from .errors import HandlerError, PropertyError, SageMakerError
from .logs import log
from .ownership import Verdict, describe_owner, judge
from .properties import Desired, desired_state, job_arn_from_stack
from .runtime import DEADLINE_MARGIN_SECONDS, RT
from .sagemaker import (
    CALL_WORST_CASE_SECONDS,
    STATUS_IN_PROGRESS,
    describe,
    is_not_found,
    list_tags,
    out_of_time,
    stop,
    stop_quietly,
)

#: How long "not found" may only mean "not visible yet": describe is asked again for at most this many seconds.
VISIBILITY_WAIT_SECONDS = 30.0
VISIBILITY_BASE_DELAY_SECONDS = 1.0
VISIBILITY_MAX_DELAY_SECONDS = 8.0


def describe_visible(job_name: str) -> dict[str, Any]:
    """Describe a job that exists or may exist: "not found" is asked again while the describe lag may last.

    The pauses double from 1 s up to 8 s, for at most :data:`VISIBILITY_WAIT_SECONDS` in all, and stop early when one
    more describe would run past the Lambda deadline. The last error is raised when the job stays invisible.
    """
    waited = 0.0
    for attempt in itertools.count(1):
        try:
            return describe(job_name)
        except SageMakerError as error:
            delay = min(VISIBILITY_MAX_DELAY_SECONDS, VISIBILITY_BASE_DELAY_SECONDS * 2 ** (attempt - 1))
            if not is_not_found(error) or waited + delay > VISIBILITY_WAIT_SECONDS or out_of_time(delay):
                raise
            log(logging.INFO, "job not visible yet", job=job_name, attempt=attempt, waitedSeconds=waited)
            RT.sleep(delay)
            waited += delay
    raise AssertionError("unreachable")  # pragma: no cover


def check_time_to_start(desired: Desired) -> None:
    """Refuse to send a create when less time is left than one call may take: its job could not be confirmed."""
    left = RT.seconds_left()
    if left is None or not out_of_time():
        return
    raise HandlerError(
        f"Only {left:.1f} s of this invocation are left (after a {DEADLINE_MARGIN_SECONDS:.0f} s margin), less than "
        f"one SageMaker call may take ({CALL_WORST_CASE_SECONDS:.0f} s with every retry): a tuning job started now "
        f"could be neither confirmed nor stopped in time. Nothing was started; tuning job '{desired.name}' was not "
        "created. Deploy again, and check the timeout of the provider's onEvent function."
    )


class Found(NamedTuple):
    """What could be read of a job found by name."""

    #: Its description; None when describe failed.
    description: dict[str, Any] | None
    #: Its tags; None when they could not be read.
    tags: dict[str, str] | None
    #: The first error that kept the description or the tags from being read.
    error: SageMakerError | None

    def verdict(self, desired: Desired) -> Verdict | None:
        """What the job is to ``desired``'s resource; None when its tags could not be read."""
        return None if self.tags is None else judge(self.tags, desired)


def look_up(desired: Desired, *, known_to_exist: bool) -> Found:
    """Describe the job under ``desired.name`` (waiting out the describe lag) and read its tags.

    When the job is not found and nothing says it exists (``known_to_exist`` False), the describe's error is raised.
    """
    try:
        description = describe_visible(desired.name)
    except SageMakerError as error:
        if is_not_found(error) and not known_to_exist:
            raise
        return _with_tags(desired, None, error)
    return _with_tags(desired, description, None)


def _with_tags(desired: Desired, description: dict[str, Any] | None, failure: SageMakerError | None) -> Found:
    """Read the tags of a job; when describe failed, by the ARN derived from the job's name and the stack."""
    name = desired.name
    if description is not None:
        arn = str(description["HyperParameterTuningJobArn"])
    else:
        arn = job_arn_from_stack(name, desired.owner[contract.OWNER_TAG_STACK_ID])
    try:
        tags = list_tags(name, arn)
    except SageMakerError as error:
        return Found(description, None, failure or error)
    return Found(description, tags, failure)


def unconfirmed(desired: Desired, error: Exception | None, *, may_be_ours: bool) -> HandlerError:
    """The error of an event that found a job under its name and could not confirm whose it is."""
    name = desired.name
    cause = f" ({error})" if error is not None else ""
    maybe = (
        " This event's create got no answer, so it may have started that job: if the job's tag "
        f"{contract.OWNER_TAG_REQUEST_ID} is '{desired.request_id}', it runs unknown to CloudFormation. The rollback "
        "of a failed Update stops it once its owner tags can be read; otherwise stop it by hand (aws sagemaker "
        f"stop-hyper-parameter-tuning-job --hyper-parameter-tuning-job-name {name})."
        if may_be_ours
        else ""
    )
    return HandlerError(
        f"Tuning job '{name}' exists, but whose it is could not be confirmed{cause}, so it was left untouched: "
        "neither adopted nor stopped, since a job whose owner tags cannot be read may be another stack's. Deploy "
        f"again once SageMaker answers.{maybe}"
    )


def stop_if_created(desired: Desired) -> str:
    """After a create with no answer: stop the job if this event created it; a sentence for the error message."""
    name = desired.name
    try:
        found = look_up(desired, known_to_exist=False)
    except SageMakerError:
        return (
            f" Tuning job '{name}' was not found (describe was asked again for up to {VISIBILITY_WAIT_SECONDS:.0f} s "
            "in case it was not visible yet), so it was not created."
        )
    verdict = found.verdict(desired)
    if verdict is Verdict.CREATED_BY_THIS_EVENT:
        return stop_quietly(name, "create unanswered")
    if verdict is None or found.description is None:
        return f" {unconfirmed(desired, found.error, may_be_ours=True)}"
    return f" Tuning job '{name}' was not created by this deployment and was left untouched."


def stop_unreported_job(event: Mapping[str, Any], desired: Desired) -> None:
    """Stop the job an earlier, failed Update started when CloudFormation never learned of it (its rollback).

    A failed Update is reported with the physical id it received (the Provider framework answers FAILED with the
    event's id), so a job it started under a new name is unknown to CloudFormation. CloudFormation then rolls back
    with an Update back to the old properties, whose ``OldResourceProperties`` are those of the failed Update: the
    name of the job it may have started follows from them. When that name is neither this event's physical id (a
    rollback of an Update that succeeded: the Delete of that id stops its job) nor the job this Update wants, the job
    is stopped if it runs and its owner tags and request hash say it is this resource's job for those properties.
    This never fails the rollback: a job whose owner cannot be confirmed is left running and the reason is logged.
    """
    try:
        previous = desired_state(event, event.get("OldResourceProperties") or {})
    except PropertyError:
        return
    name = previous.name
    if name.lower() in {str(event.get("PhysicalResourceId", "")).lower(), desired.name.lower()}:
        return
    # The failed Update ended before this rollback began: its job, if any, is visible by now.
    try:
        description: dict[str, Any] | None = describe(name)
    except SageMakerError as error:
        if is_not_found(error):
            return  # the failed Update started nothing under that name
        found = _with_tags(previous, None, error)
    else:
        if description.get("HyperParameterTuningJobStatus") != STATUS_IN_PROGRESS:
            return
        found = _with_tags(previous, description, None)
    verdict = found.verdict(previous)
    if verdict not in (Verdict.OURS, Verdict.CREATED_BY_THIS_EVENT):
        log(
            logging.ERROR if verdict is None else logging.WARNING,
            "job of the rolled-back configuration left untouched",
            job=name,
            owner="unknown" if found.tags is None else describe_owner(found.tags),
            error=None if found.error is None else str(found.error),
            reason="a job is stopped only when its owner tags and request hash are this resource's for the "
            "configuration of the failed update; if they are, stop it by hand",
        )
        return
    log(logging.WARNING, "stopping the job of a failed update that CloudFormation never learned of", job=name)
    try:
        stop(name)
    except SageMakerError as error:
        log(logging.ERROR, "could not stop job", job=name, error=str(error), reason="stop it by hand")
