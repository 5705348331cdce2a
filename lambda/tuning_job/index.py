"""Entry module of the ``Custom::SageMakerHyperParameterTuningJob`` handler (CDK Provider framework).

``on_event`` creates, replaces or stops a SageMaker hyperparameter tuning job; ``is_complete`` waits for it when the
resource asks to (``WaitForCompletion``). Both raise to fail: the Provider framework turns an exception into a FAILED
response whose reason is the exception's message.

Where things are (one concern per module):

* :mod:`.properties` - the resource properties: CloudFormation's strings back to the API's types, job names.
* :mod:`.sagemaker` - the lazily created boto3 client, its one retry policy, and the SageMaker calls.
* :mod:`.iam_propagation` - a create denied while IAM changes propagate is tried again (nothing was started).
* :mod:`.ownership` - the owner tags on every job, and what a job found by name may be used for.
* :mod:`.orphans` - what a create whose answer was lost did, owner checks that fail closed, the describe lag, the
  job of a failed Update (stopped by its rollback), and the time an invocation has left.
* :mod:`.lifecycle` - Create, Update and Delete.
* :mod:`.waiting` - ``is_complete``: polling a job the deployment waits for.
* :mod:`.results` - the ``Data`` returned to CloudFormation, bounded in size.
* :mod:`.logs` - structured log lines; :mod:`.runtime` - the process-wide state behind the test seams below.
* :mod:`.contract` - names and limits shared with the ``TuningJob`` construct.

Seams for tests: :func:`set_client`, :func:`set_clock`, :func:`set_sleep`, :func:`set_jitter` and :func:`reset`.
Only the standard library is imported at module load; boto3/botocore are imported on first use.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from . import contract, lifecycle, waiting
from .errors import HandlerError, PropertyError, SageMakerError
from .logs import begin_invocation, log
from .runtime import RT

__all__ = [
    "HandlerError",
    "PropertyError",
    "SageMakerError",
    "contract",
    "is_complete",
    "on_event",
    "reset",
    "set_client",
    "set_clock",
    "set_jitter",
    "set_sleep",
]


def set_client(client: Any) -> None:
    """Use ``client`` (a boto3 SageMaker client, e.g. a stubbed one) instead of creating one; None resets."""
    RT.client = client


def set_clock(clock: Callable[[], float] | None) -> None:
    """Use ``clock`` (epoch seconds) to measure how long a job has run; None restores ``time.time``."""
    RT.clock = clock or time.time


def set_sleep(sleep: Callable[[float], None] | None) -> None:
    """Use ``sleep`` for the handler's own waits (IAM propagation, a new job's visibility); None restores it."""
    RT.sleep = sleep or time.sleep


def set_jitter(jitter: Callable[[], float] | None) -> None:
    """Use ``jitter`` (returns a float in [0, 1)) for the handler's own waits; None restores ``random.random``."""
    RT.jitter = jitter or random.random


def reset() -> None:
    """Forget the cached client and restore the real clock, sleep and jitter."""
    RT.reset()


def on_event(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Provider framework ``onEvent``: Create, Update or Delete the tuning job. Raises to fail."""
    begin_invocation("on_event", event, context)
    request_type = event.get("RequestType")
    handlers = {"Create": lifecycle.on_create, "Update": lifecycle.on_update, "Delete": lifecycle.on_delete}
    if request_type not in handlers:
        raise HandlerError(f"Unsupported RequestType {request_type!r}; expected Create, Update or Delete")
    try:
        result = handlers[request_type](event)
    except Exception as error:
        log(logging.ERROR, "failed", error=str(error), errorType=type(error).__name__)
        raise
    log(logging.INFO, "done", job=str(result.get("PhysicalResourceId", "")))
    return result


def is_complete(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Provider framework ``isComplete``: report whether a waited-for job has finished. Raises to fail."""
    begin_invocation("is_complete", event, context)
    return waiting.is_complete(event)
