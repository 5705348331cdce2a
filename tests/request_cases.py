"""Failing, passing and warning cases of the rules of issue 18 (request overrides, instance fallback, retries,
several definitions, Autotune, channels), keyed by rule id like ``tests/test_validation.py``'s, which runs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk

Overrides = Callable[[cdk.Stack], dict[str, Any]]

_PENDING = "TrainingJobDefinition.StoppingCondition.MaxPendingTimeInSeconds"
_GROUPS = "TrainingJobDefinition.ResourceConfig.InstanceGroups"
_DATASET = "TrainingJobDefinition.InputDataConfig[0].DataSource.DatasetSource"
_HUB_DATASET = "arn:aws:sagemaker:us-east-1:123456789012:hub-content/my-hub/DataSet/my-data/1.0.0"


def _override(path: str, value: Any) -> Overrides:
    return lambda s: {"request_overrides": {path: value}}


def _group(**changes: Any) -> list[dict[str, Any]]:
    group: dict[str, Any] = {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "InstanceGroupName": "main"}
    group.update(changes)
    return [group]


FAILING: list[tuple[str, Overrides, str]] = [
    ("HPO-OVR-001", _override("TrainingJobDefinition.StoppingCondition.MaxPending", 7200), r"not a member of Stop"),
    ("HPO-OVR-001:malformed", _override("TrainingJobDefinition..Environment", {}), r"member names joined by dots"),
    (
        "HPO-OVR-001:index",
        _override("TrainingJobDefinition.InputDataConfig[2].DataSource.S3DataSource.InstanceGroupNames", ["a"]),
        r"no item \[2\] there \(2 items\)",
    ),
    (
        "HPO-OVR-001:list-without-index",
        _override("TrainingJobDefinition.InputDataConfig.ShuffleConfig", {"Seed": 1}),
        r"needs an index",
    ),
    ("HPO-OVR-002", _override("TrainingJobDefinition.RoleArn", "arn:aws:iam::1:role/x"), r"library owns"),
    ("HPO-OVR-002:name", _override("HyperParameterTuningJobName", "x"), r"library owns HyperParameterTuningJobName"),
    ("HPO-OVR-002:tags", _override("Tags", [{"Key": "a", "Value": "b"}]), r"library owns Tags"),
    (
        "HPO-OVR-002:typed",
        _override("TrainingJobDefinition.ResourceConfig.InstanceCount", 2),
        r"is a typed prop: use `TrainingDefinition\(instance_count=...\)`",
    ),
    ("HPO-OVR-002:holder", _override("TrainingJobDefinition.StoppingCondition", {}), r"holds fields typed props"),
    ("HPO-OVR-003", _override(_PENDING, "2h"), r"MaxPendingTimeInSeconds'\): '2h'; must be an integer"),
    ("HPO-OVR-003:bool", _override(_PENDING, True), r"must be an integer"),
    (
        "HPO-OVR-003:member",
        _override(_GROUPS, _group(Name="x")),
        r"InstanceGroups\[0\].Name.*is not a member of InstanceGroup",
    ),
    ("HPO-OVR-003:required", _override(_GROUPS, [{"InstanceType": "ml.m5.xlarge"}]), r"InstanceCount.*is required"),
    ("HPO-OVR-004", _override(_PENDING, 60), r"must be at least 1800 and at most 2419200 \(is 60\)"),
    (
        "HPO-OVR-004:list",
        _override(_GROUPS, _group() * 6),
        r"must be at least 0 and at most 5 entries \(is 6 entries\)",
    ),
    ("HPO-OVR-005", _override(_GROUPS, _group(InstanceType="ml.nope.large")), r"InstanceType.*must be one of"),
    ("HPO-OVR-006", _override(_DATASET, {"DatasetArn": "my-dataset"}), r"DatasetArn'\): .*must match"),
]

PASSING: list[tuple[str, Overrides]] = [
    ("HPO-OVR-001", _override(_PENDING, 7200)),
    (
        "HPO-OVR-002",
        _override("TrainingJobDefinition.InputDataConfig[0].DataSource.S3DataSource.InstanceGroupNames", ["main"]),
    ),
    ("HPO-OVR-003", _override(_GROUPS, _group())),
    ("HPO-OVR-004", _override(_PENDING, 1800)),
    ("HPO-OVR-005", _override(_GROUPS, _group(InstanceType="ml.g5.xlarge"))),
    ("HPO-OVR-006", _override(_DATASET, {"DatasetArn": _HUB_DATASET})),
]

WARNS: list[tuple[str, Overrides, str]] = []
