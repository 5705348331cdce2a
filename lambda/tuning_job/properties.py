"""Request decoding: CloudFormation's strings back to the API's types, names, and the handler-side settings.

CloudFormation turns every leaf value of the resource properties into a string. :func:`resolve_request` walks
botocore's model of ``CreateHyperParameterTuningJob`` to restore integers, floats and booleans (unknown keys are an
error naming their path), and :func:`validate_request` runs botocore's ``ParamValidator`` before any job is started.
:func:`desired_state` turns the properties into a :class:`Desired`: the job's name, typed request and settings.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from . import contract
from .errors import PropertyError
from .logs import log
from .sagemaker import JOB_NAME_KEY, OPERATION_CREATE, client

JOB_NAME_PATTERN = re.compile(contract.JOB_NAME_PATTERN)
NAME_PREFIX_PATTERN = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*$")
PROPERTIES_IGNORED = frozenset({contract.PROP_SERVICE_TOKEN, contract.PROP_SERVICE_TIMEOUT})
KNOWN_PROPERTIES = frozenset(
    {
        contract.PROP_REQUEST,
        contract.PROP_TUNING_JOB_NAME,
        contract.PROP_NAME_PREFIX,
        contract.PROP_WAIT_FOR_COMPLETION,
        contract.PROP_WAIT_TIMEOUT_SECONDS,
    }
)


def _input_shape() -> Any:
    """The CreateHyperParameterTuningJob input shape, from the (cached) client's service model."""
    return client().meta.service_model.operation_model(OPERATION_CREATE).input_shape


def coerce(value: Any, shape: Any, path: str) -> Any:
    """Restore the API type of ``value`` (CloudFormation strings) following botocore ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        return _coerce_structure(value, shape, path)
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            raise PropertyError(f"{path}: expected a list, got {_describe_value(value)}")
        return [coerce(item, shape.member, f"{path}[{index}]") for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, Mapping):
            raise PropertyError(f"{path}: expected a map of strings, got {_describe_value(value)}")
        return {str(key): coerce(item, shape.value, f"{path}.{key}") for key, item in value.items()}
    converter = _SCALARS.get(kind)
    return converter(value, path) if converter else value


def _coerce_structure(value: Any, shape: Any, path: str) -> dict[str, Any]:
    """Coerce each member of a structure; unknown keys are an error that lists the allowed ones."""
    if not isinstance(value, Mapping):
        raise PropertyError(
            f"{path}: expected an object with keys {sorted(shape.members)}, got {_describe_value(value)}"
        )
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key not in shape.members:
            allowed = ", ".join(sorted(shape.members))
            raise PropertyError(f"{path}.{key}: unknown key for SageMaker shape {shape.name}; allowed keys: {allowed}")
        result[key] = coerce(item, shape.members[key], f"{path}.{key}")
    return result


def _describe_value(value: Any) -> str:
    """A short description of a bad value for error messages (never the whole value)."""
    text = repr(value)
    return f"{type(value).__name__} {text[:40]}{'...' if len(text) > 40 else ''}"


def _to_string(value: Any, path: str) -> str:
    try:
        return contract.api_string(value)
    except TypeError:
        raise PropertyError(f"{path}: expected a string, got {_describe_value(value)}") from None


def _to_int(value: Any, path: str) -> int:
    if isinstance(value, bool):
        raise PropertyError(f"{path}: expected an integer, got {_describe_value(value)}")
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        pass
    try:
        number = _to_float(value, path)  # CloudFormation may render 20 as "20.0" or "2.0E1"
    except PropertyError:
        number = math.nan
    if number.is_integer():
        return int(number)
    raise PropertyError(f"{path}: expected an integer, got {_describe_value(value)}")


def _to_float(value: Any, path: str) -> float:
    if isinstance(value, bool):
        raise PropertyError(f"{path}: expected a number, got {_describe_value(value)}")
    try:
        number = float(value if isinstance(value, (int, float)) else str(value).strip())
    except ValueError:
        raise PropertyError(f"{path}: expected a number, got {_describe_value(value)}") from None
    if not math.isfinite(number):
        raise PropertyError(f"{path}: expected a finite number, got {_describe_value(value)}")
    return number


def _to_bool(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise PropertyError(f"{path}: expected true or false, got {_describe_value(value)}")


_SCALARS: dict[str, Callable[[Any, str], Any]] = {
    "string": _to_string,
    "integer": _to_int,
    "long": _to_int,
    "float": _to_float,
    "double": _to_float,
    "boolean": _to_bool,
}


def resolve_request(raw: Any) -> dict[str, Any]:
    """Turn the ``Request`` property into a typed CreateHyperParameterTuningJob request (without the job name)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise PropertyError("Request: expected an object (or its JSON), got a string that is not JSON") from None
    if not isinstance(raw, Mapping) or not raw:
        raise PropertyError(f"Request: expected a non-empty object, got {_describe_value(raw)}")
    if JOB_NAME_KEY in raw:
        raise PropertyError(
            f"Request.{JOB_NAME_KEY}: not allowed here; set the {contract.PROP_TUNING_JOB_NAME} property"
        )
    typed: dict[str, Any] = coerce(raw, _input_shape(), contract.PROP_REQUEST)
    return typed


def validate_request(job_name: str, request: Mapping[str, Any]) -> None:
    """Check the full request against botocore's model (required keys, ranges, types) before any call."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate({JOB_NAME_KEY: job_name, **request}, _input_shape())
    if report.has_errors():
        raise PropertyError(f"Request for tuning job '{job_name}' is invalid: {report.generate_report()}")


def canonical_json(value: Any) -> str:
    """Deterministic compact JSON (sorted keys) used for hashing and comparisons."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def generated_job_name(prefix: str, stack_id: str, logical_id: str, request: Mapping[str, Any]) -> str:
    """``<prefix>-<hash>``: lower-case, at most MAX_JOB_NAME_LENGTH characters, stable for the same inputs."""
    prefix = prefix.lower()
    if not NAME_PREFIX_PATTERN.match(prefix) or len(prefix) > contract.NAME_PREFIX_MAX_LENGTH:
        raise PropertyError(
            f"{contract.PROP_NAME_PREFIX} '{prefix}' is invalid: use 1 to {contract.NAME_PREFIX_MAX_LENGTH} letters, "
            "digits or hyphens, starting with a letter or digit"
        )
    material = canonical_json({"LogicalResourceId": logical_id, "Request": request, "StackId": stack_id})
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[: contract.MAX_JOB_NAME_LENGTH - len(prefix) - 1]}"


def is_job_name(value: Any) -> bool:
    """Whether ``value`` could be a tuning job name (physical ids that are not, e.g. failure markers, are skipped)."""
    return isinstance(value, str) and len(value) <= contract.MAX_JOB_NAME_LENGTH and bool(JOB_NAME_PATTERN.match(value))


def job_arn_from_stack(name: str, stack_id: str) -> str:
    """The ARN of job ``name`` in the stack's partition, region and account (SageMaker lower-cases the name)."""
    parts = stack_id.split(":")
    partition, region, account = (parts[1], parts[3], parts[4]) if len(parts) > 5 else ("aws", "", "")
    return f"arn:{partition}:sagemaker:{region}:{account}:hyper-parameter-tuning-job/{name.lower()}"


class Desired(NamedTuple):
    """What the resource properties ask for."""

    name: str
    #: The typed request without the job name (the user's Tags included, the handler's owner tags not).
    request: dict[str, Any]
    fixed_name: bool
    wait: bool
    wait_timeout_seconds: int
    #: The owner tags (:data:`contract.OWNER_TAG_KEYS`) this resource's job carries.
    owner: dict[str, str]
    #: SHA-256 of the normalised request (:func:`request_sha256`).
    request_hash: str
    #: The CloudFormation request id of the event (tagged on a job this event creates).
    request_id: str

    @property
    def handler_tags(self) -> dict[str, str]:
        """Every tag the handler sets on the job it creates for this resource."""
        return {
            **self.owner,
            contract.OWNER_TAG_REQUEST_ID: self.request_id,
            contract.OWNER_TAG_REQUEST_SHA256: self.request_hash,
        }

    @property
    def create_request(self) -> dict[str, Any]:
        """The CreateHyperParameterTuningJob request (without the name): the user's tags, then the handler's."""
        tags = [*self.request.get("Tags", []), *({"Key": k, "Value": v} for k, v in self.handler_tags.items())]
        return {**self.request, "Tags": tags}


def request_sha256(request: Mapping[str, Any]) -> str:
    """The fingerprint of a normalised (typed) request: equal exactly when the requests are equal."""
    return hashlib.sha256(canonical_json(request).encode("utf-8")).hexdigest()


def provider_owner(properties: Mapping[str, Any]) -> str:
    """The provider's owner-tag value: set on the handler functions by the provider, else the ``NamePrefix``."""
    value = os.environ.get(contract.ENV_OWNER_PROVIDER) or str(properties.get(contract.PROP_NAME_PREFIX) or "")
    if not value:
        raise PropertyError(
            f"{contract.PROP_NAME_PREFIX} is required (the provider's {contract.OWNER_TAG_PROVIDER} owner tag)"
        )
    return value.lower()


def _check_user_tags(request: Mapping[str, Any]) -> None:
    for index, tag in enumerate(request.get("Tags") or []):
        key = str(tag.get("Key", ""))
        if key.lower().startswith(contract.OWNER_TAG_PREFIX):
            raise PropertyError(
                f"{contract.PROP_REQUEST}.Tags[{index}].Key '{key}': tag keys starting with "
                f"'{contract.OWNER_TAG_PREFIX}' are reserved for the owner tags sagemaker-hpo sets itself"
            )


def desired_state(event: Mapping[str, Any], properties: Mapping[str, Any]) -> Desired:
    """Parse and validate ``properties`` (ResourceProperties or OldResourceProperties) of ``event``."""
    unknown = sorted(set(properties) - KNOWN_PROPERTIES - PROPERTIES_IGNORED)
    if unknown:
        log(logging.WARNING, "ignoring unknown properties", keys=unknown)
    if contract.PROP_REQUEST not in properties:
        raise PropertyError(f"ResourceProperties.{contract.PROP_REQUEST} is required")
    request = resolve_request(properties[contract.PROP_REQUEST])
    _check_user_tags(request)
    fixed = properties.get(contract.PROP_TUNING_JOB_NAME)
    if fixed not in (None, ""):
        if not is_job_name(fixed):
            raise PropertyError(
                f"{contract.PROP_TUNING_JOB_NAME} '{fixed}' is invalid: 1 to {contract.MAX_JOB_NAME_LENGTH} letters, "
                "digits and hyphens, starting and ending with a letter or digit"
            )
        name = str(fixed)
    else:
        prefix = properties.get(contract.PROP_NAME_PREFIX)
        if not prefix:
            raise PropertyError(
                f"{contract.PROP_NAME_PREFIX} is required when {contract.PROP_TUNING_JOB_NAME} is not set"
            )
        name = generated_job_name(str(prefix), str(event.get("StackId", "")), str(event["LogicalResourceId"]), request)
    owner = {
        contract.OWNER_TAG_PROVIDER: provider_owner(properties),
        contract.OWNER_TAG_STACK_ID: str(event.get("StackId", "")),
        contract.OWNER_TAG_LOGICAL_ID: str(event.get("LogicalResourceId", "")),
    }
    team = os.environ.get(contract.ENV_OWNER_TEAM)
    if team:  # a team's provider: its IAM policy requires the team's tag on every job it creates
        owner[contract.OWNER_TAG_TEAM] = team
    desired = Desired(
        name=name,
        request=request,
        fixed_name=fixed not in (None, ""),
        wait=wait_flag(properties),
        wait_timeout_seconds=wait_timeout(properties),
        owner=owner,
        request_hash=request_sha256(request),
        request_id=str(event.get("RequestId", "")),
    )
    validate_request(name, desired.create_request)
    return desired


def wait_flag(properties: Mapping[str, Any]) -> bool:
    value = properties.get(contract.PROP_WAIT_FOR_COMPLETION)
    return False if value in (None, "") else _to_bool(value, contract.PROP_WAIT_FOR_COMPLETION)


def wait_timeout(properties: Mapping[str, Any]) -> int:
    value = properties.get(contract.PROP_WAIT_TIMEOUT_SECONDS)
    if value in (None, ""):
        return int(contract.MAX_WAIT_TIMEOUT_SECONDS)
    seconds = _to_int(value, contract.PROP_WAIT_TIMEOUT_SECONDS)
    if seconds < 1:
        raise PropertyError(f"{contract.PROP_WAIT_TIMEOUT_SECONDS} must be at least 1, got {seconds}")
    if seconds > contract.MAX_WAIT_TIMEOUT_SECONDS:
        log(logging.WARNING, "wait timeout capped", requested=seconds, cap=contract.MAX_WAIT_TIMEOUT_SECONDS)
        return int(contract.MAX_WAIT_TIMEOUT_SECONDS)
    return seconds
