"""Entry module of the tuning-job waiter function (``contract.HANDLER``).

One function, three callers (see :mod:`.contract`):

* an EventBridge rule on the job's state-change events: a job that ended signals the wait condition handle;
* the ``CheckFinished`` custom resource, created after the rule: a job that ended before the rule existed signals
  the handle too (so whichever comes first, the event or the check, the wait is signalled; both use one UniqueId);
* the ``BestTrainingJob`` custom resource, created after the wait: the best training job, as attributes.

Seams for tests: :func:`set_client`, :func:`set_sleep` and :func:`reset`. Only the standard library is imported at
module load; boto3 on first use.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from . import contract, outcome
from .presigned import LOGGER, SignalError, put_json
from .sagemaker import RT, describe_tuning_job

__all__ = ["SignalError", "contract", "handler", "reset", "set_client", "set_sleep"]

LOGGER.setLevel(logging.INFO)
#: Characters of a failure message sent back to CloudFormation.
MAX_CFN_REASON_CHARS = 1000


def set_client(client: Any) -> None:
    """Use ``client`` (a boto3 SageMaker client, e.g. a stubbed one) instead of creating one; None resets."""
    RT.client = client


def set_sleep(sleep: Callable[[float], None] | None) -> None:
    """Use ``sleep`` while IAM propagates; None restores ``time.sleep``."""
    RT.sleep = sleep or time.sleep


def reset() -> None:
    """Forget the cached client and restore the real sleep."""
    RT.client = None
    RT.sleep = time.sleep


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point: a custom resource request (it has a ``RequestType``) or a rule's state-change input."""
    if "RequestType" in event:
        return _custom_resource(event)
    return _state_change(event)


def _state_change(event: Mapping[str, Any]) -> dict[str, Any]:
    """Signal the handle when the event says the job ended. Duplicates send the same signal (one UniqueId)."""
    detail = event.get(contract.INPUT_DETAIL) or {}
    signal = outcome.signal_for_event(detail)
    name, status = detail.get(contract.DETAIL_JOB_NAME), detail.get(contract.DETAIL_JOB_STATUS)
    if signal is None:
        _log("job has not ended; nothing to signal", job=name, status=status)
        return {"signalled": False}
    accepted = put_json(str(event[contract.INPUT_HANDLE_URL]), signal)
    _log("signalled" if accepted else "signal dropped: the wait has ended", job=name, status=signal["Status"])
    return {"signalled": accepted}


def _custom_resource(event: Mapping[str, Any]) -> dict[str, Any]:
    """Answer CloudFormation at the event's ResponseURL, whatever happens (a raise would leave it waiting an hour)."""
    properties = event.get("ResourceProperties") or {}
    action = str(properties.get(contract.PROP_ACTION, ""))
    name = str(properties.get(contract.PROP_TUNING_JOB_NAME, ""))
    physical_id = f"{action}:{name}"
    answer: dict[str, Any] = {"Status": "SUCCESS", "Data": {}}
    try:
        if event["RequestType"] != "Delete":
            answer["Data"] = _run(action, name, properties)
        else:
            physical_id = str(event.get("PhysicalResourceId") or physical_id)
    except Exception as error:  # every failure becomes a FAILED answer with the reason
        _log("failed", job=name, action=action, error=str(error))
        answer = {"Status": "FAILED", "Reason": str(error)[:MAX_CFN_REASON_CHARS], "Data": {}}
    body = {
        **answer,
        "PhysicalResourceId": physical_id,
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "NoEcho": False,
    }
    put_json(str(event["ResponseURL"]), body)
    return body


def _run(action: str, name: str, properties: Mapping[str, Any]) -> dict[str, str]:
    if action == contract.ACTION_CHECK_FINISHED:
        signal = outcome.signal_for_description(describe_tuning_job(name))
        if signal is None:
            _log("job has not ended; its state-change event will signal", job=name)
            return {}
        try:
            accepted = put_json(str(properties[contract.PROP_HANDLE_URL]), signal)
        except SignalError as error:
            raise RuntimeError(f"Tuning job '{name}' has ended, but signalling its wait failed: {error}") from error
        _log("signalled an ended job", job=name, status=signal["Status"], accepted=accepted)
        return {}
    if action == contract.ACTION_BEST_TRAINING_JOB:
        return outcome.best_training_job(name)
    raise ValueError(f"unknown {contract.PROP_ACTION} {action!r}")


def _log(message: str, **fields: Any) -> None:
    LOGGER.info(json.dumps({"message": message, **fields}, default=str, sort_keys=True))
