"""HPO-NAME and HPO-EVENT: app-level rules that keep a job's lifecycle safe (one owner per name, events that fit).

They inspect a :class:`RenderedJob`, the custom resource's properties as the job renders them, because they are about
what CloudFormation will send: the fixed name every resource of the app claims, and the size of an Update event.
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Mapping
from typing import Any

from constructs import IConstruct

from .._contract import contract
from .._validation import is_unresolved
from ._registry import Finding, Source, rule
from .subjects import RenderedJob

#: Bytes assumed for a deploy-time token (an ARN, a bucket name, an image URI) once resolved.
TOKEN_ALLOWANCE_BYTES = 256
#: Bytes of an event besides its properties (stack id, request id, service token, resource type, physical id ...).
EVENT_ENVELOPE_BYTES = 2048


#: The fixed names claimed so far, per app (keyed by the construct tree's root), lower-cased.
_FIXED_NAMES: weakref.WeakKeyDictionary[IConstruct, dict[str, tuple[str, str]]] = weakref.WeakKeyDictionary()


@rule(
    "HPO-NAME-010",
    statement="No two TuningJobs of one app use the same fixed tuning_job_name, compared case-insensitively.",
    field="HyperParameterTuningJobName",
    source=Source.API_REFERENCE,
    reference="job names are unique per account and region, compared case-insensitively",
    subjects=RenderedJob,
)
def _one_owner_per_fixed_name(rendered: RenderedJob, finding: Finding) -> None:
    name = rendered.tuning_job_name
    if name is None or is_unresolved(name):
        return
    seen = _FIXED_NAMES.setdefault(rendered.job.node.root, {})
    other = seen.get(name.lower())
    if other is not None and other[0] != rendered.job.node.path:
        other_path, other_name = other
        finding.fail(
            "tuning_job_name",
            name,
            f"{other_path} already uses the tuning_job_name {other_name!r}; SageMaker compares job names "
            "case-insensitively, so both resources would claim one job. Give each TuningJob its own name, or leave "
            "tuning_job_name out to get a generated one",
        )
    seen[name.lower()] = (rendered.job.node.path, name)


def estimated_json_bytes(value: Any) -> int:
    """Compact-JSON size of ``value`` with every deploy-time token counted as TOKEN_ALLOWANCE_BYTES.

    The whole value is serialized once; then each token found among the keys and leaves trades its encoding's
    length for the allowance.
    """
    size = _json_bytes(value)
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, Mapping):
            pending.extend(str(key) for key in item)
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif is_unresolved(item):
            size += TOKEN_ALLOWANCE_BYTES - _json_bytes(item)
    return size


def _json_bytes(value: Any) -> int:
    """The UTF-8 length of ``value`` as compact JSON (an object that is no JSON value as its string form)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))


@rule(
    "HPO-EVENT-010",
    statement="An Update event (old and new properties) fits the custom resource framework's waiter input "
    f"({contract.WAITER_INPUT_LIMIT_BYTES} bytes).",
    field="(custom resource properties)",
    source=Source.LIBRARY,
    reference="Step Functions state input limit (256 KiB); the Provider framework starts its waiter for every event",
    subjects=RenderedJob,
)
def _update_event_fits_the_waiter(rendered: RenderedJob, finding: Finding) -> None:
    size = estimated_json_bytes(rendered.properties)
    # An Update carries the old and the new properties; both may be this large.
    update_event = 2 * size + EVENT_ENVELOPE_BYTES + contract.WAITER_EVENT_ALLOWANCE_BYTES
    if update_event <= contract.WAITER_INPUT_LIMIT_BYTES:
        return
    finding.fail(
        "request size",
        f"{size} bytes of properties",
        f"an Update event carries the old and the new properties (about {update_event} bytes here), and the custom "
        f"resource framework's waiter takes at most {contract.WAITER_INPUT_LIMIT_BYTES} bytes: the update would start "
        "a job CloudFormation never learns about. Make the request smaller (fewer or shorter static "
        "hyperparameters, environment values or tags)",
    )
