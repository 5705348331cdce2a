"""``sagemaker_hpo._tree``: facts read once per object give the same answers as the CDK (#20)."""

from __future__ import annotations

import gc
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from constructs import Construct

from sagemaker_hpo import _tree
from sagemaker_hpo._tree import (
    find_child,
    gibibytes_of,
    path_of,
    region_of,
    remember_child,
    role_arn_of,
    root_of,
    seconds_of,
    stack_of,
)
from tests.construct_support import job


def test_a_remembered_path_is_the_path_the_cdk_gives() -> None:
    app = cdk.App()
    stack = cdk.Stack(app, "Stack")
    group = Construct(stack, "Group")
    for scope, construct_id in ((stack, "Job"), (group, "Nested"), (app, "Top")):
        child = Construct(scope, construct_id)
        remember_child(child, scope, construct_id)
        assert path_of(child) == child.node.path
    slashed = Construct(group, "a/b")  # the CDK rewrites the id: left to path_of to ask
    remember_child(slashed, group, "a/b")
    assert path_of(slashed) == slashed.node.path


def test_a_tuning_jobs_facts_are_the_cdks() -> None:
    stack = cdk.Stack(cdk.App(), "Stack", env=cdk.Environment(account="111122223333", region="eu-west-1"))
    nested = Construct(stack, "Experiments")
    tuning_job = job(nested, "Job")
    assert path_of(tuning_job) == tuning_job.node.path == "Stack/Experiments/Job"
    assert stack_of(tuning_job) is stack and stack_of(stack) is stack
    assert region_of(tuning_job) == "eu-west-1"
    assert root_of(tuning_job) is stack.node.root
    role = tuning_job.training_role
    assert role_arn_of(role) == role.role_arn


def test_conversions_match_the_cdks_and_whole_seconds_are_ints() -> None:
    assert seconds_of(cdk.Duration.days(1)) == 86400 and isinstance(seconds_of(cdk.Duration.days(1)), int)
    assert seconds_of(cdk.Duration.millis(1500)) == 1.5
    assert gibibytes_of(cdk.Size.mebibytes(512)) == 0.5
    token = cdk.Duration.seconds(cdk.Token.as_number(cdk.Fn.ref("Seconds")))
    assert not isinstance(seconds_of(token), int)  # a token: training.py renders it the CDK's way


def test_memos_hold_their_objects_weakly() -> None:
    # An object made in Python (an ``iam.Role``) is held by the jsii kernel anyway; a proxy of an imported role is
    # not: the memo must not keep it alive.
    stack = cdk.Stack(cdk.App(), "Stack")
    role = iam.Role.from_role_arn(stack, "Role", "arn:aws:iam::123456789012:role/external")
    role_arn_of(role)
    assert role in _tree._ROLE_ARNS
    count = len(_tree._ROLE_ARNS)
    del role
    gc.collect()
    assert len(_tree._ROLE_ARNS) == count - 1


def test_a_found_child_is_remembered_and_a_missing_one_asked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    stack = cdk.Stack(cdk.App(), "Stack")
    asked: list[str] = []
    node = _tree.node_of(stack)
    real = type(node).try_find_child

    def counted(self: Any, construct_id: str) -> Any:
        asked.append(construct_id)
        return real(self, construct_id)

    monkeypatch.setattr(type(node), "try_find_child", counted)
    assert find_child(stack, "Later") is None
    later = Construct(stack, "Later")
    assert find_child(stack, "Later") is later  # not found before: asked again
    assert find_child(stack, "Later") is later
    assert asked == ["Later", "Later"]
