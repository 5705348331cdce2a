"""Builders the rule cases of ``tests/rules/`` share: stacks, VPCs, images, platforms and teams, each a function of
the case's stack."""

from __future__ import annotations

import dataclasses
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3

from sagemaker_hpo import (
    CategoricalRange,
    CompressionType,
    ContinuousRange,
    GridSearch,
    Guardrails,
    HpoPlatform,
    ImportedTuningJobProvider,
    InputMode,
    MetricDefinition,
    Objective,
    S3Input,
    S3Location,
    TrainingImage,
)
from sagemaker_hpo.gpu_image import load_metric_definitions, load_sample_log_lines
from tests.construct_support import custom_training, job, training


def many_static(n: int) -> dict[str, Any]:
    return {f"static_{i}": i for i in range(n)}


def security_groups_of(stack: cdk.Stack, vpc: ec2.IVpc, n: int) -> list[ec2.ISecurityGroup]:
    return [ec2.SecurityGroup(stack, f"Sg{i}", vpc=vpc) for i in range(n)]


def isolated_vpc(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )


def vpc_training(stack: cdk.Stack, groups: int) -> dict[str, Any]:
    vpc = isolated_vpc(stack)
    return {"training": training(vpc=vpc, security_groups=security_groups_of(stack, vpc, groups))}


def custom_image_job(stack: cdk.Stack, **training_overrides: Any) -> dict[str, Any]:
    return {
        "objective": Objective.maximize("validation:accuracy"),
        "training": custom_training(stack, **training_overrides),
    }


def parent_job(stack: cdk.Stack, **overrides: Any) -> Any:
    """A warm-start parent that has finished before its child starts: its deployment waits for it."""
    return job(stack, "Parent", wait_for_completion=True, max_runtime=cdk.Duration.minutes(30), **overrides)


def many_metrics(n: int) -> list[MetricDefinition]:
    return [MetricDefinition("validation:accuracy", r"acc=([0-9.]+)")] + [
        MetricDefinition(f"m{i}", rf"m{i}=([0-9.]+)") for i in range(n - 1)
    ]


#: A continuous range, so that a search space is not all-discrete.
ETA = ContinuousRange("eta", 0, 1)


def imported_provider(name_prefix: str = "p") -> ImportedTuningJobProvider:
    return ImportedTuningJobProvider(service_token="arn:aws:lambda:us-east-1:1:function:p", name_prefix=name_prefix)


def imported_role(stack: cdk.Stack) -> iam.IRole:
    return iam.Role.from_role_arn(stack, "R", "arn:aws:iam::123456789012:role/p", mutable=False)


def chosen_subnets(stack: cdk.Stack, n: int) -> dict[str, Any]:
    vpc = isolated_vpc(stack)
    chosen = ec2.SubnetSelection(
        subnets=[
            ec2.Subnet.from_subnet_attributes(
                stack, f"S{i}", subnet_id=f"subnet-{i:08x}", availability_zone="us-east-1a"
            )
            for i in range(n)
        ]
    )
    return {"training": training(vpc=vpc, subnets=chosen)}


def gpu_training_image(**overrides: Any) -> TrainingImage:
    """The packaged GPU image as the platform publishes it: its metric definitions and sample log lines."""
    props: dict[str, Any] = {
        "metric_definitions": load_metric_definitions(),
        "sample_log_lines": load_sample_log_lines(),
    }
    props.update(overrides)
    return TrainingImage.from_image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/gpu:1", **props)


def gpu_job(**training_overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"image": gpu_training_image(), "inputs": {}, "static_hyperparameters": {"epochs": 10}}
    props.update(training_overrides)
    return {"objective": Objective.maximize("validation:accuracy"), "training": training(**props)}


def csv_input(uri: str, content_type: str | None = "text/csv") -> S3Input:
    return S3Input.from_uri(uri, content_type=content_type)


def guarded_job(
    stack: cdk.Stack, guardrails: Guardrails, job_props: dict[str, Any] | None = None, **training_props: Any
) -> dict[str, Any]:
    """A job of the team ``guarded`` of a platform in ``stack`` whose guardrails are ``guardrails``."""
    team = HpoPlatform(stack, "Guarded", guardrails=guardrails).add_team("guarded")
    props: dict[str, Any] = {
        "role": team.training_role,
        "inputs": {n: team.data_input(f"x/{n}/", content_type="text/csv") for n in ("train", "validation")},
        "output_path": team.output_location("x/"),
    }
    props.update(training_props)
    return {"provider": team.provider, "training": training(**props), **(job_props or {})}


def unencrypted_output(stack: cdk.Stack) -> S3Location:
    """The team ``guarded``'s output prefix by bucket name only: no KMS key goes with it."""
    bucket = stack.node.find_child("Guarded").artifacts_bucket
    return S3Location(bucket.bucket_name, "output/teams/guarded/x/")


def grid_job(max_jobs: int | None = None) -> dict[str, Any]:
    """A GridSearch over 3 x 2 = 6 combinations, max_jobs left out unless given."""
    ranges = [CategoricalRange("max_depth", ["3", "5", "7"]), CategoricalRange("eta", ["0.1", "0.3"])]
    return {"strategy": GridSearch(), "parameter_ranges": ranges, "max_jobs": max_jobs, "max_parallel_jobs": 2}


def other_region_output(stack: cdk.Stack) -> S3Location:
    bucket = s3.Bucket.from_bucket_attributes(stack, "UsBucket", bucket_name="my-data-us", region="us-east-1")
    return S3Location.from_bucket(bucket, "out/")


def gzip_input(mode: InputMode | None = None) -> S3Input:
    return S3Input.from_uri("s3://my-data/train/", compression=CompressionType.GZIP, input_mode=mode)


HOUR = cdk.Duration.hours(1)


def guarded_key(stack: cdk.Stack) -> Any:
    return stack.node.find_child("Guarded").key


def keyed_job(stack: cdk.Stack) -> dict[str, Any]:
    """A job of the team ``guarded`` under ``require_kms`` with the platform's key on volumes and output."""
    props = guarded_job(stack, Guardrails(require_kms=True))
    return guarded_retrained(stack, props, volume_kms_key=guarded_key(stack))


def output_unkeyed(stack: cdk.Stack) -> dict[str, Any]:
    props = guarded_job(stack, Guardrails(require_kms=True))
    return guarded_retrained(stack, props, output_path=unencrypted_output(stack), volume_kms_key=guarded_key(stack))


def guarded_retrained(stack: cdk.Stack, props: dict[str, Any], **training_props: Any) -> dict[str, Any]:
    """``props`` with its training definition changed by ``training_props``."""
    return {**props, "training": dataclasses.replace(props["training"], **training_props)}


def repeated_security_group(stack: cdk.Stack) -> dict[str, Any]:
    vpc = isolated_vpc(stack)
    group = ec2.SecurityGroup(stack, "Sg", vpc=vpc)
    return {"training": training(vpc=vpc, security_groups=[group, group])}


def imports_platform(stack: cdk.Stack, overrides: dict[str, Any]) -> dict[str, Any]:
    """Import a platform into ``stack`` (as a team app does); return ``overrides``."""
    HpoPlatform.from_parameters(stack, "Platform")
    return overrides


def platform_team(stack: cdk.Stack) -> Any:
    """The team ``vision`` of a platform in ``stack`` (created on first use)."""
    platform = stack.node.try_find_child("HpoPlatform") or HpoPlatform(stack, "HpoPlatform")
    return platform.teams.get("vision") or platform.add_team("vision")


def team_job(stack: cdk.Stack, **overrides: Any) -> dict[str, Any]:
    """The props of a job of the team ``vision``: its provider, role and prefixes."""
    team = platform_team(stack)
    return {
        "provider": team.provider,
        "training": training(
            role=team.training_role,
            inputs={
                name: team.data_input(f"xgboost/{name}/", content_type="text/csv") for name in ("train", "validation")
            },
            output_path=team.output_location("xgboost/"),
        ),
        **overrides,
    }


def claimed_name(stack: cdk.Stack, first: str, second: str) -> str:
    """Claim ``first`` as the fixed name of another job of the app; return ``second`` for the job under test."""
    job(stack, "First", tuning_job_name=first)
    return second


def jumpstart_job(name: str, objective: str, **image: Any) -> dict[str, Any]:
    """A LightGBM (or other JumpStart algorithm) job on a framework image, its objective ``objective``."""
    uri = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:1.9.0-cpu-py38"
    return {
        "objective": Objective.minimize(objective),
        "training": training(image=TrainingImage.jumpstart_algorithm(name, uri, **image)),
    }
