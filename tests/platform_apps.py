"""Apps the platform and security tests share, each built and synthesized once per test session.

- ``default_app()``: the default app (``stacks.app_builder.build_app``): ``HpoPlatform`` and ``XgboostHyperband``.
- ``platform_app()``: a platform with the packaged GPU image and a custom image, and tuning jobs in the same stack
  that use the platform's role, buckets and provider directly.
- ``consumer_app()``: another app whose stack imports the platform from SSM and declares tuning jobs against it.
- ``same_app()``: a platform stack and a second stack of the same app using the platform object directly
  (cross-stack references), one job with its own default ``TrainingRole`` and one with the platform's role.

cdk-nag's ``AwsSolutionsChecks`` is registered on each before its only synthesis.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ecr as ecr

from sagemaker_hpo import (
    ContinuousRange,
    HpoPlatform,
    Hyperband,
    IntegerRange,
    MetricDefinition,
    Objective,
    TrainingDefinition,
    TrainingImage,
    TuningJob,
)
from stacks.app_builder import build_app
from tests.template_checks import nag_findings, new_app, synth_templates

PLATFORM_NAMESPACE = "/ml-platform/hpo/"
CUSTOM_METRIC = MetricDefinition("validation:accuracy", r"validation:accuracy=([0-9.eE+-]+)")


@dataclass(frozen=True)
class Synthesized:
    """An app after its one synthesis: unacknowledged cdk-nag findings and the templates by stack name."""

    app: cdk.App
    findings: list[str]
    templates: dict[str, dict[str, Any]]
    constructs: dict[str, Any]


def _synthesize(app: cdk.App, constructs: dict[str, Any]) -> Synthesized:
    findings = nag_findings(app)
    return Synthesized(app, findings, synth_templates(app), constructs)


@cache
def default_app() -> Synthesized:
    """The default app with cdk.json's context."""
    return _synthesize(build_app(new_app()), {})


@cache
def platform_app() -> Synthesized:
    """A platform (GPU image, a custom ECR image) and two tuning jobs using it directly, in one stack."""
    app = new_app()
    stack = cdk.Stack(app, "Platform")
    repository = ecr.Repository.from_repository_name(stack, "CustomRepository", "my-training")
    platform = HpoPlatform(
        stack,
        "Platform",
        namespace=PLATFORM_NAMESPACE,
        include_gpu_image=True,
        images={"custom": TrainingImage.from_ecr_repository(repository, "v1", metric_definitions=[CUSTOM_METRIC])},
    )
    xgb = TuningJob(
        stack,
        "XgbTuning",
        strategy=Hyperband(min_resource=10, max_resource=100),
        objective=Objective.maximize("validation:auc"),
        parameter_ranges=[ContinuousRange("eta", 0, 1), IntegerRange("max_depth", 1, 10)],
        max_jobs=20,
        max_parallel_jobs=5,
        training=TrainingDefinition(
            image=TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
            inputs={
                "train": platform.data_input("xgb/train/", content_type="text/csv"),
                "validation": platform.data_input("xgb/validation/", content_type="text/csv"),
            },
            output_path=platform.output_location("xgb/"),
            role=platform.training_role,
            instance_type="ml.m5.xlarge",
            static_hyperparameters={"objective": "binary:logistic", "num_round": 100},
        ),
    )
    gpu = TuningJob(
        stack,
        "GpuTuning",
        strategy=Hyperband(min_resource=1, max_resource=20),
        objective=Objective.maximize("validation:accuracy"),
        parameter_ranges=[ContinuousRange("learning_rate", 1e-4, 0.1)],
        max_jobs=10,
        max_parallel_jobs=2,
        provider=platform.provider,
        training=TrainingDefinition(
            image=platform.images["gpu"],
            inputs={"train": platform.data_input("mlp/")},
            output_path=platform.output_location("mlp/"),
            checkpoint_path=platform.checkpoint_location("mlp/"),
            use_spot_instances=True,
            role=platform.training_role,
            instance_type="ml.g4dn.xlarge",
        ),
    )
    return _synthesize(app, {"platform": platform, "stack": stack, "xgb": xgb, "gpu": gpu})


@cache
def consumer_app() -> Synthesized:
    """Another app: imports the platform published under ``PLATFORM_NAMESPACE`` and declares two tuning jobs."""
    app = new_app()
    stack = cdk.Stack(app, "Consumer")
    platform = HpoPlatform.from_parameters(stack, "Platform", namespace=PLATFORM_NAMESPACE)
    xgb = TuningJob(
        stack,
        "XgbTuning",
        strategy=Hyperband(min_resource=10, max_resource=100),
        objective=Objective.maximize("validation:auc"),
        parameter_ranges=[ContinuousRange("eta", 0, 1), IntegerRange("max_depth", 1, 10)],
        max_jobs=20,
        max_parallel_jobs=5,
        provider=platform.provider,
        training=TrainingDefinition(
            image=TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
            inputs={
                "train": platform.data_input("xgb/train/", content_type="text/csv"),
                "validation": platform.data_input("xgb/validation/", content_type="text/csv"),
            },
            output_path=platform.output_location("xgb/"),
            output_kms_key=platform.key,
            checkpoint_path=platform.checkpoint_location("xgb/"),
            role=platform.training_role,
            instance_type="ml.m5.xlarge",
            static_hyperparameters={"objective": "binary:logistic", "num_round": 100},
        ),
    )
    gpu = TuningJob(
        stack,
        "GpuTuning",
        strategy=Hyperband(min_resource=1, max_resource=20),
        objective=Objective.maximize("validation:accuracy"),
        parameter_ranges=[ContinuousRange("learning_rate", 1e-4, 0.1)],
        max_jobs=10,
        max_parallel_jobs=2,
        provider=platform.provider,
        training=TrainingDefinition(
            image=platform.training_image("gpu"),
            inputs={"train": platform.data_input("mlp/")},
            output_path=platform.output_location("mlp/"),
            role=platform.training_role,
            instance_type="ml.g4dn.xlarge",
        ),
    )
    return _synthesize(app, {"platform": platform, "stack": stack, "xgb": xgb, "gpu": gpu})


@cache
def same_app() -> Synthesized:
    """A platform stack and a stack using the platform's objects directly (CDK makes the cross-stack references)."""
    app = new_app()
    platform = HpoPlatform(cdk.Stack(app, "Platform"), "Platform", name="same-app")
    stack = cdk.Stack(app, "Direct")
    common: dict[str, Any] = {
        "strategy": Hyperband(min_resource=10, max_resource=100),
        "objective": Objective.maximize("validation:auc"),
        "parameter_ranges": [ContinuousRange("eta", 0, 1), IntegerRange("max_depth", 1, 10)],
        "max_jobs": 20,
        "max_parallel_jobs": 5,
    }

    def training(**overrides: Any) -> TrainingDefinition:
        return TrainingDefinition(
            image=TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
            inputs={"train": platform.data_input("direct/train/", content_type="text/csv")},
            output_path=platform.output_location("direct/"),
            instance_type="ml.m5.xlarge",
            static_hyperparameters={"num_round": 100},
            **overrides,
        )

    own_role = TuningJob(stack, "OwnRole", training=training(), **common)
    platform_role = TuningJob(
        stack, "PlatformRole", training=training(role=platform.training_role), provider=platform.provider, **common
    )
    return _synthesize(
        app, {"platform": platform, "stack": stack, "own_role": own_role, "platform_role": platform_role}
    )


#: Every app the security tests check, by name.
ALL_APPS = {"default": default_app, "platform": platform_app, "consumer": consumer_app, "same-app": same_app}
