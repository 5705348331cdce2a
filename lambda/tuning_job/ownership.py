"""Who owns a tuning job: the owner tags the handler sets, and what a job found by name may be used for.

Every job the handler creates carries :data:`contract.OWNER_TAG_KEYS` (the provider, the stack id and the logical
id of its resource), the CloudFormation request that created it and the SHA-256 of its normalised request. A job
found by name (a retried Create, a rollback, a Delete) is used only as far as its tags allow:

* adopted only when its owner tags equal this resource's AND its request hash equals this request's;
* treated as created by this event when, in addition, its request-id tag is this event's ``RequestId`` (a create
  whose response was lost and whose retry saw "already exists");
* stopped only when its owner tags equal this resource's;
* anything else (another stack's job, another resource's, or one without owner tags) is left untouched.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from . import contract
from .properties import Desired, provider_owner


class Verdict(enum.Enum):
    """What a job found by name is to this resource."""

    CREATED_BY_THIS_EVENT = "created by this event"
    OURS = "owned by this resource, same request"
    OURS_OTHER_REQUEST = "owned by this resource, another request"
    FOREIGN = "owned by another stack, resource or provider"
    UNTAGGED = "carries no sagemaker-hpo owner tags"


def owner_of(event: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, str]:
    """The owner tags of this event's resource."""
    return {
        contract.OWNER_TAG_PROVIDER: provider_owner(properties),
        contract.OWNER_TAG_STACK_ID: str(event.get("StackId", "")),
        contract.OWNER_TAG_LOGICAL_ID: str(event.get("LogicalResourceId", "")),
    }


def is_owned(tags: Mapping[str, str], owner: Mapping[str, str]) -> bool:
    """Whether every owner tag of the job equals ``owner``'s (the provider compared case-insensitively)."""
    return all(
        bool(owner.get(key))
        and key in tags
        and (tags[key].lower() == owner[key].lower() if key == contract.OWNER_TAG_PROVIDER else tags[key] == owner[key])
        for key in contract.OWNER_TAG_KEYS
    )


def judge(tags: Mapping[str, str], desired: Desired) -> Verdict:
    """Classify a job found under ``desired.name`` by its tags."""
    if not any(key in tags for key in contract.OWNER_TAG_KEYS):
        return Verdict.UNTAGGED
    if not is_owned(tags, desired.owner):
        return Verdict.FOREIGN
    if tags.get(contract.OWNER_TAG_REQUEST_SHA256) != desired.request_hash:
        return Verdict.OURS_OTHER_REQUEST
    if desired.request_id and tags.get(contract.OWNER_TAG_REQUEST_ID) == desired.request_id:
        return Verdict.CREATED_BY_THIS_EVENT
    return Verdict.OURS


def describe_owner(tags: Mapping[str, str]) -> str:
    """The owner a job's tags name, for messages (the stack and logical id; never other tag values)."""
    if not any(key in tags for key in contract.OWNER_TAG_KEYS):
        return "no sagemaker-hpo owner tags"
    return (
        f"stack {tags.get(contract.OWNER_TAG_STACK_ID, '?')}, resource {tags.get(contract.OWNER_TAG_LOGICAL_ID, '?')}, "
        f"provider {tags.get(contract.OWNER_TAG_PROVIDER, '?')}"
    )
