"""App-level synth checks that keep a tuning job's lifecycle safe: one owner per fixed name, events the waiter takes.

Each check has a stable rule id (in its message) so that it can join the library's rule registry:

``HPO-NAME-010``
    Two ``TuningJob`` constructs in one app with the same fixed ``tuning_job_name``, or names that differ only in
    letter case (SageMaker compares job names case-insensitively): both resources would claim one SageMaker job.
``HPO-EVENT-010``
    A tuning job whose Update event would not fit the Provider framework's waiter: with an ``isComplete`` handler the
    framework starts a Step Functions execution for every event, whose input (the event with the old and the new
    properties, plus the onEvent result) is limited to 262,144 bytes. The deploy-time handler checks the real event
    too, before starting anything; this check reports it at synth time.

:func:`check_tuning_job` is the one hook ``TuningJob`` calls.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from typing import Any

from constructs import Construct, IConstruct

from ._contract import contract
from ._validation import ValidationError, is_unresolved

RULE_DUPLICATE_FIXED_NAME = "HPO-NAME-010"
RULE_WAITER_EVENT_SIZE = "HPO-EVENT-010"
#: Bytes assumed for a deploy-time token (an ARN, a bucket name, an image URI) once resolved.
TOKEN_ALLOWANCE_BYTES = 256
#: Bytes of an event besides its properties (stack id, request id, service token, resource type, physical id ...).
EVENT_ENVELOPE_BYTES = 2048

_FIXED_NAMES: weakref.WeakKeyDictionary[IConstruct, dict[str, tuple[str, str]]] = weakref.WeakKeyDictionary()


def check_tuning_job(job: Construct, properties: Mapping[str, Any], tuning_job_name: str | None) -> None:
    """Run the app-level lifecycle checks for one ``TuningJob``; raise ``ValidationError`` on a violation."""
    _check_fixed_name(job, tuning_job_name)
    _check_waiter_event_size(job, properties)


def _check_fixed_name(job: Construct, name: str | None) -> None:
    if name is None or is_unresolved(name):
        return
    seen = _FIXED_NAMES.setdefault(job.node.root, {})
    other = seen.get(name.lower())
    if other is not None:
        other_path, other_name = other
        raise ValidationError(
            job.node.path,
            "tuning_job_name",
            name,
            f"[{RULE_DUPLICATE_FIXED_NAME}] {other_path} already uses the tuning_job_name {other_name!r}; SageMaker "
            "compares job names case-insensitively, so both resources would claim one job. Give each TuningJob its "
            "own name, or leave tuning_job_name out to get a generated one",
        )
    seen[name.lower()] = (job.node.path, name)


def estimated_json_bytes(value: Any) -> int:
    """Compact-JSON size of ``value`` with every deploy-time token counted as TOKEN_ALLOWANCE_BYTES."""
    if isinstance(value, Mapping):
        return (
            2
            + sum(estimated_json_bytes(str(key)) + 1 + estimated_json_bytes(item) for key, item in value.items())
            + max(len(value) - 1, 0)
        )
    if isinstance(value, (list, tuple)):
        return 2 + sum(estimated_json_bytes(item) for item in value) + max(len(value) - 1, 0)
    if is_unresolved(value):
        return TOKEN_ALLOWANCE_BYTES
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


def _check_waiter_event_size(job: Construct, properties: Mapping[str, Any]) -> None:
    size = estimated_json_bytes(properties)
    # An Update carries the old and the new properties; both may be this large.
    update_event = 2 * size + EVENT_ENVELOPE_BYTES + contract.WAITER_EVENT_ALLOWANCE_BYTES
    if update_event <= contract.WAITER_INPUT_LIMIT_BYTES:
        return
    raise ValidationError(
        job.node.path,
        "request size",
        f"{size} bytes of properties",
        f"[{RULE_WAITER_EVENT_SIZE}] an Update event carries the old and the new properties (about {update_event} "
        f"bytes here), and the custom resource framework's waiter takes at most {contract.WAITER_INPUT_LIMIT_BYTES} "
        "bytes: the update would start a job CloudFormation never learns about. Make the request smaller (fewer or "
        "shorter static hyperparameters, environment values or tags)",
    )
