"""Factories for construct tests: a valid baseline tuning job that each test changes in one place."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr

from sagemaker_hpo import (
    ContinuousRange,
    Hyperband,
    IntegerRange,
    MetricDefinition,
    Objective,
    S3Input,
    TrainingDefinition,
    TrainingImage,
    TuningJob,
)

XGB_RANGES = [
    ContinuousRange("eta", 0, 1),
    ContinuousRange("min_child_weight", 1, 10),
    ContinuousRange("alpha", 0, 2),
    IntegerRange("max_depth", 1, 10),
]


def new_stack(name: str = "TestStack", **kwargs: Any) -> cdk.Stack:
    """A fresh stack in a fresh app."""
    return cdk.Stack(cdk.App(), name, **kwargs)


def training(**overrides: Any) -> TrainingDefinition:
    """The issue's XGBoost training definition, with ``overrides``."""
    props: dict[str, Any] = {
        "image": TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
        "inputs": {
            "train": S3Input.from_uri("s3://my-data/train/", content_type="text/csv"),
            "validation": S3Input.from_uri("s3://my-data/validation/", content_type="text/csv"),
        },
        "output_path": "s3://my-data/output/",
        "instance_type": "ml.m5.xlarge",
        "static_hyperparameters": {"objective": "binary:logistic", "num_round": 100},
    }
    props.update(overrides)
    return TrainingDefinition(**props)


def custom_training(stack: cdk.Stack, **overrides: Any) -> TrainingDefinition:
    """A training definition on a custom ECR image that prints ``validation:accuracy`` each epoch."""
    repository = ecr.Repository.from_repository_name(stack, f"Repo{len(stack.node.children)}", "my-training")
    props: dict[str, Any] = {
        "image": TrainingImage.from_ecr_repository(repository, "v1"),
        "metric_definitions": [MetricDefinition("validation:accuracy", r"validation:accuracy=([0-9.eE+-]+)")],
        "static_hyperparameters": {"epochs": 10},
    }
    props.update(overrides)
    return training(**props)


def job(stack: cdk.Stack, construct_id: str = "Job", **overrides: Any) -> TuningJob:
    """The issue's example tuning job in ``stack``, with ``overrides``."""
    props: dict[str, Any] = {
        "strategy": Hyperband(min_resource=10, max_resource=100),
        "objective": Objective.maximize("validation:auc"),
        "parameter_ranges": XGB_RANGES,
        "max_jobs": 20,
        "max_parallel_jobs": 5,
        "training": training(),
    }
    props.update(overrides)
    return TuningJob(stack, construct_id, **props)


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    """The template's resources of one type, by logical id."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == resource_type}


def statements(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Every statement of every identity policy in the template, with the policy's logical id under ``_policy``."""
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] == "AWS::IAM::Policy":
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                found.append({**statement, "_policy": logical_id})
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def role_statements(template: dict[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """The statements of the identity policies attached to one role."""
    policies = {
        logical_id
        for logical_id, policy in template["Resources"].items()
        if policy["Type"] == "AWS::IAM::Policy" and {"Ref": role_logical_id} in policy["Properties"].get("Roles", [])
    }
    return [s for s in statements(template) if s["_policy"] in policies]
