"""Every rule of the registry (docs/rules.md): failing and passing cases keyed by rule id, checked at synth time.

Case ids are ``<rule id>`` or ``<rule id>:<what>``; tests/test_rules_registry.py checks that every registered rule
has at least one failing (or warning) case and one passing case here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match

from sagemaker_hpo import (
    Bayesian,
    CategoricalRange,
    CompletionCriteria,
    CompressionType,
    ContinuousRange,
    GridSearch,
    Guardrails,
    HpoPlatform,
    Hyperband,
    ImportedTuningJobProvider,
    InputMode,
    IntegerRange,
    Json,
    MetricDefinition,
    Objective,
    RandomSearch,
    S3Input,
    S3Location,
    ScalingType,
    TrainingImage,
    ValidationError,
    WarmStart,
    WarmStartType,
)
from sagemaker_hpo.gpu_image import load_metric_definitions, load_sample_log_lines
from tests import request_cases
from tests.construct_support import XGB_RANGES, custom_training, job, new_stack, training

Overrides = Callable[[cdk.Stack], dict[str, Any]]


def _static(n: int) -> dict[str, Any]:
    return {f"static_{i}": i for i in range(n)}


def _sgs(stack: cdk.Stack, vpc: ec2.IVpc, n: int) -> list[ec2.ISecurityGroup]:
    return [ec2.SecurityGroup(stack, f"Sg{i}", vpc=vpc) for i in range(n)]


def _vpc(stack: cdk.Stack) -> ec2.Vpc:
    return ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[
            ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED),
        ],
    )


def _vpc_training(stack: cdk.Stack, groups: int) -> dict[str, Any]:
    vpc = _vpc(stack)
    return {"training": training(vpc=vpc, security_groups=_sgs(stack, vpc, groups))}


def _custom(stack: cdk.Stack, **training_overrides: Any) -> dict[str, Any]:
    return {
        "objective": Objective.maximize("validation:accuracy"),
        "training": custom_training(stack, **training_overrides),
    }


def _parent(stack: cdk.Stack, **overrides: Any) -> Any:
    """A warm-start parent that has finished before its child starts: its deployment waits for it."""
    return job(stack, "Parent", wait_for_completion=True, max_runtime=cdk.Duration.minutes(30), **overrides)


def _metrics(n: int) -> list[MetricDefinition]:
    return [MetricDefinition("validation:accuracy", r"acc=([0-9.]+)")] + [
        MetricDefinition(f"m{i}", rf"m{i}=([0-9.]+)") for i in range(n - 1)
    ]


#: A continuous range, so that a search space is not all-discrete.
ETA = ContinuousRange("eta", 0, 1)


def _imported_provider(name_prefix: str = "p") -> ImportedTuningJobProvider:
    return ImportedTuningJobProvider(service_token="arn:aws:lambda:us-east-1:1:function:p", name_prefix=name_prefix)


def _imported_role(stack: cdk.Stack) -> iam.IRole:
    return iam.Role.from_role_arn(stack, "R", "arn:aws:iam::123456789012:role/p", mutable=False)


def _subnets(stack: cdk.Stack, n: int) -> dict[str, Any]:
    vpc = _vpc(stack)
    chosen = ec2.SubnetSelection(
        subnets=[
            ec2.Subnet.from_subnet_attributes(
                stack, f"S{i}", subnet_id=f"subnet-{i:08x}", availability_zone="us-east-1a"
            )
            for i in range(n)
        ]
    )
    return {"training": training(vpc=vpc, subnets=chosen)}


def _gpu_image(**overrides: Any) -> TrainingImage:
    """The packaged GPU image as the platform publishes it: its metric definitions and sample log lines."""
    props: dict[str, Any] = {
        "metric_definitions": load_metric_definitions(),
        "sample_log_lines": load_sample_log_lines(),
    }
    props.update(overrides)
    return TrainingImage.from_image_uri("123456789012.dkr.ecr.us-east-1.amazonaws.com/gpu:1", **props)


def _gpu_job(**training_overrides: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"image": _gpu_image(), "inputs": {}, "static_hyperparameters": {"epochs": 10}}
    props.update(training_overrides)
    return {"objective": Objective.maximize("validation:accuracy"), "training": training(**props)}


def _csv(uri: str, content_type: str | None = "text/csv") -> S3Input:
    return S3Input.from_uri(uri, content_type=content_type)


# (case id, overrides, expected error: field and what is allowed). The error must carry the case's rule id.
FAILING: list[tuple[str, Overrides, str]] = [
    # typed props
    ("HPO-TYPE-001", lambda s: {"strategy": Hyperband}, r"strategy: 'Hyperband'.*did you mean Hyperband\(\)\?"),
    ("HPO-TYPE-001:bayesian", lambda s: {"strategy": Bayesian}, r"did you mean Bayesian\(\)\?"),
    (
        "HPO-TYPE-002:max-runtime-str",
        lambda s: {"max_runtime": "2h"},
        r"^Rules/Tuning: max_runtime: expected a Duration \(e.g. Duration.hours\(2\)\), got str '2h'",
    ),
    (
        "HPO-TYPE-002:max-runtime-int",
        lambda s: {"max_runtime": 7200},
        r"max_runtime: expected a Duration.*got int 7200",
    ),
    (
        "HPO-TYPE-002:volume-size-int",
        lambda s: {"training": training(volume_size=50)},
        r"training.volume_size: expected a Size \(e.g. Size.gibibytes\(50\)\), got int 50",
    ),
    (
        "HPO-TYPE-002:objective-str",
        lambda s: {"objective": "validation:auc"},
        r"objective: expected an Objective \(e.g. Objective.maximize\('validation:auc'\)\), got str",
    ),
    (
        "HPO-TYPE-002:training-runtime",
        lambda s: {"training": training(max_runtime="1d")},
        r"training.max_runtime: expected a Duration",
    ),
    (
        "HPO-TYPE-002:range",
        lambda s: {"parameter_ranges": [("eta", 0, 1)]},
        r"parameter_ranges\[0\]: expected a ContinuousRange, IntegerRange or CategoricalRange, got tuple",
    ),
    (
        "HPO-TYPE-002:input-mode",
        lambda s: {"training": training(input_mode="File")},
        r"training.input_mode: expected a InputMode \(e.g. InputMode.FILE\), got str 'File'",
    ),
    (
        "HPO-TYPE-002:content-type",
        lambda s: {"training": training(inputs={"train": S3Input.from_uri("s3://my-data/t/", content_type=5)})},
        r"training.inputs\['train'\].content_type: expected a string, got int 5",
    ),
    ("HPO-TYPE-002:max-jobs", lambda s: {"max_jobs": "20"}, r"max_jobs: expected an integer, got str '20'"),
    ("HPO-TYPE-002:tags", lambda s: {"tags": {"team": 1}}, r"tags: expected a dict of str to str"),
    (
        "HPO-TYPE-003:runtime",
        lambda s: {"training": training(max_runtime=cdk.Duration.millis(1500))},
        r"training.max_runtime: '1.5 seconds'.*whole number of seconds",
    ),
    (
        "HPO-TYPE-003:volume",
        lambda s: {"training": training(volume_size=cdk.Size.mebibytes(500))},
        r"training.volume_size: '0.488281 GiB'.*whole number of GiB",
    ),
    # static hyperparameters
    (
        "HPO-HP-001:dict",
        lambda s: {"training": training(static_hyperparameters={"net": {"units": [64, 32]}})},
        r"static_hyperparameters\['net'\].*wrap it in Json\(...\)",
    ),
    (
        "HPO-HP-001:list",
        lambda s: {"training": training(static_hyperparameters={"eval_metric": ["auc", "logloss"]})},
        r"static_hyperparameters\['eval_metric'\].*a list has no single string form",
    ),
    (
        "HPO-HP-001:none",
        lambda s: {"training": training(static_hyperparameters={"seed": None})},
        r"static_hyperparameters\['seed'\]: None; None is not a value",
    ),
    (
        "HPO-HP-001:object",
        lambda s: {"training": training(static_hyperparameters={"x": object()})},
        r"static_hyperparameters\['x'\]: expected a str, int, float, bool or Json",
    ),
    (
        "HPO-HP-001:nan",
        lambda s: {"training": training(static_hyperparameters={"x": float("nan")})},
        r"static_hyperparameters\['x'\]: nan; must be a finite number",
    ),
    (
        "HPO-HP-002",
        lambda s: {"training": training(static_hyperparameters={"n" * 257: 1})},
        r"static_hyperparameters name.*1 to 256",
    ),
    (
        "HPO-HP-003",
        lambda s: {"training": training(static_hyperparameters={"x": "v" * 2501})},
        r"static_hyperparameters\['x'\].*0 to 2500",
    ),
    (
        "HPO-HP-004",
        lambda s: {"training": training(static_hyperparameters=_static(96))},
        r"training.static_hyperparameters: '96 static'.*at most 100 \(is 101\)",
    ),
    # ranges
    (
        "HPO-RANGE-001:too-many",
        lambda s: {"parameter_ranges": [ContinuousRange(f"p{i}", 0, 1) for i in range(31)]},
        r"parameter_ranges: '31 entries'.*1 to 30",
    ),
    ("HPO-RANGE-001:none", lambda s: {"parameter_ranges": []}, r"parameter_ranges: '0 entries'"),
    ("HPO-RANGE-002", lambda s: {"parameter_ranges": [ContinuousRange("n" * 257, 0, 1)]}, r"\.name.*1 to 256"),
    (
        "HPO-RANGE-003",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, 1), IntegerRange("eta", 1, 3)]},
        r"parameter_ranges\[1\] \(eta\).name: 'eta'.*one range only",
    ),
    (
        "HPO-RANGE-004",
        lambda s: {"parameter_ranges": [IntegerRange("num_round", 1, 3)]},
        r"\(num_round\).name: 'num_round'.*also a static hyperparameter",
    ),
    (
        "HPO-RANGE-005",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, float("inf"))]},
        r"\(eta\).max_value: inf.*finite number",
    ),
    (
        "HPO-RANGE-006:fraction",
        lambda s: {"parameter_ranges": [IntegerRange("depth", 1.5, 4)]},  # type: ignore[arg-type]
        r"\(depth\).min_value: 1.5.*integer",
    ),
    (
        "HPO-RANGE-006:huge",
        lambda s: {"parameter_ranges": [IntegerRange("n", 1, 10**20)]},
        r"\(n\).max_value: 100000000000000000000.*64-bit integer",
    ),
    (
        "HPO-RANGE-007",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 1, 1)]},
        r"\(eta\).min_value: 1.*less than max_value \(1\)",
    ),
    (
        "HPO-RANGE-008",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, 1, ScalingType.LOGARITHMIC)]},
        r"\(eta\).min_value: 0.*Logarithmic scaling needs min_value > 0",
    ),
    (
        "HPO-RANGE-009",
        lambda s: {"parameter_ranges": [IntegerRange("depth", 0, 5, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(depth\).scaling: 'ReverseLogarithmic'.*continuous ranges only",
    ),
    (
        "HPO-RANGE-010:max",
        lambda s: {"parameter_ranges": [ContinuousRange("m", 0.5, 1, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(m\).max_value: 1.*max_value < 1",
    ),
    (
        "HPO-RANGE-010:min",
        lambda s: {"parameter_ranges": [ContinuousRange("m", -0.5, 0.5, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(m\).min_value: -0.5.*min_value >= 0",
    ),
    (
        "HPO-RANGE-011",
        lambda s: {"parameter_ranges": [CategoricalRange("booster", "dart")]},  # type: ignore[arg-type]
        r"\(booster\).values: 'dart'; must be a list of values, e.g. \['dart'\], not a bare string",
    ),
    (
        "HPO-RANGE-012:none",
        lambda s: {"parameter_ranges": [CategoricalRange("c", ["a", None])]},  # type: ignore[list-item]
        r"\(c\).values\[1\]: expected a str, int, float or bool, got NoneType None",
    ),
    (
        "HPO-RANGE-012:dict",
        lambda s: {"parameter_ranges": [CategoricalRange("c", [{"a": 1}])]},  # type: ignore[list-item]
        r"\(c\).values\[0\]: expected a str, int, float or bool, got dict",
    ),
    (
        "HPO-RANGE-013:too-many",
        lambda s: {"parameter_ranges": [CategoricalRange("c", list(range(31)))]},
        r"parameter_ranges\[0\] \(c\).values: '31 entries'.*1 to 30",
    ),
    ("HPO-RANGE-013:empty", lambda s: {"parameter_ranges": [CategoricalRange("c", [])]}, r"\(c\).values: '0 entries'"),
    (
        "HPO-RANGE-014",
        lambda s: {"parameter_ranges": [CategoricalRange("c", [1, "1"])]},
        r"\(c\).values: \['1'\]; values must be unique",
    ),
    (
        "HPO-RANGE-015",
        lambda s: {"parameter_ranges": [CategoricalRange("c", ["v" * 257])]},
        r"\(c\).values.*1 to 256",
    ),
    # job
    (
        "HPO-JOB-001:pattern",
        lambda s: {"tuning_job_name": "bad_name!"},
        r"tuning_job_name: 'bad_name!'.*letters, digits",
    ),
    ("HPO-JOB-001:length", lambda s: {"tuning_job_name": "a" * 33}, r"tuning_job_name.*1 to 32"),
    ("HPO-JOB-001:leading-hyphen", lambda s: {"tuning_job_name": "-job"}, r"tuning_job_name"),
    (
        "HPO-JOB-002",
        lambda s: {"strategy": RandomSearch(), "max_jobs": None},
        r"max_jobs: None.*required with the Random",
    ),
    (
        "HPO-JOB-003",
        lambda s: {"strategy": RandomSearch(), "max_jobs": 10**12},
        r"max_jobs: 1000000000000.*<= 2147483647",
    ),
    ("HPO-JOB-004:zero", lambda s: {"max_parallel_jobs": 0}, r"max_parallel_jobs: 0.*>= 1"),
    (
        "HPO-JOB-004:over-max-jobs",
        lambda s: {"max_jobs": 4, "max_parallel_jobs": 5},
        r"max_parallel_jobs: 5.*at most max_jobs \(4\)",
    ),
    ("HPO-JOB-006:short", lambda s: {"max_runtime": cdk.Duration.seconds(60)}, r"max_runtime \(seconds\): 60.*>= 120"),
    (
        "HPO-JOB-006:long",
        lambda s: {"max_runtime": cdk.Duration.seconds(15_768_001)},
        r"max_runtime \(seconds\): 15768001.*<= 15768000",
    ),
    (
        "HPO-JOB-007:no-runtime",
        lambda s: {"wait_for_completion": True},
        r"max_runtime: None.*wait_for_completion needs",
    ),
    (
        "HPO-JOB-007:ceiling",
        lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.hours(12)},
        r"max_runtime: '43200 seconds'.*at most 42300 seconds \(11 h 45 min\).*at most 12 hours",
    ),
    (
        "HPO-JOB-007:just-over",
        lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.seconds(42_301)},
        r"max_runtime: '42301 seconds'.*at most 42300 seconds",
    ),
    ("HPO-JOB-008:huge", lambda s: {"random_seed": 2**40}, r"random_seed: 1099511627776.*<= 2147483647"),
    ("HPO-JOB-008:negative", lambda s: {"random_seed": -1}, r"random_seed: -1.*>= 0"),
    (
        "HPO-JOB-009",
        lambda s: {"completion_criteria": CompletionCriteria(max_jobs_not_improving=2)},
        r"completion_criteria.max_jobs_not_improving: 2.*>= 3",
    ),
    (
        "HPO-JOB-010",
        lambda s: {"completion_criteria": CompletionCriteria(target_objective_value=float("nan"))},
        r"completion_criteria.target_objective_value.*finite number",
    ),
    ("HPO-JOB-011", lambda s: {"tags": {f"k{i}": "v" for i in range(45)}}, r"tags: '45 entries'.*0 to 44"),
    ("HPO-JOB-012:pattern", lambda s: {"tags": {"a*b": "v"}}, r"tags key: 'a\*b'; may contain only"),
    ("HPO-JOB-012:length", lambda s: {"tags": {"k" * 129: "v"}}, r"tags key.*1 to 128"),
    ("HPO-JOB-012:aws", lambda s: {"tags": {"aws:team": "v"}}, r"tags key: 'aws:team'.*reserved"),
    (
        "HPO-JOB-012:owner",
        lambda s: {"tags": {"Sagemaker-HPO:stack-id": "v"}},
        r"tags key: 'Sagemaker-HPO:stack-id'.*reserved for the owner tags the handler sets",
    ),
    (
        "HPO-JOB-016",
        lambda s: _imports_platform(s, {}),
        r"invalid provider: None; this stack imports the platform Rules/Platform: pass provider=<platform>.provider",
    ),
    (
        "HPO-JOB-017",
        lambda s: {"training": training(role=_team(s).training_role)},
        r"invalid provider: \"this stack's provider\"; the training role belongs to the team 'vision'",
    ),
    (
        "HPO-JOB-018",
        lambda s: _team_job(s, tuning_job_name="my-job"),
        r"invalid tuning_job_name: 'my-job'; the team 'vision''s provider may only manage jobs named vision[0-9a-f]{4}-",
    ),
    (
        "HPO-NAME-010",
        lambda s: {"tuning_job_name": _claimed_name(s, "Shared-Name", "shared-name")},
        r"invalid tuning_job_name: 'shared-name'; Rules/First already uses the tuning_job_name 'Shared-Name'",
    ),
    (
        "HPO-EVENT-010",
        lambda s: _custom(s, static_hyperparameters={f"v{i:02d}": "x" * 2500 for i in range(52)}),
        r"invalid request size: '1[0-9]{5} bytes of properties'.*at most 262144 bytes",
    ),
    ("HPO-JOB-013:length", lambda s: {"tags": {"k": "v" * 257}}, r"tags\['k'\].*0 to 256"),
    ("HPO-JOB-013:pattern", lambda s: {"tags": {"k": "a;b"}}, r"tags\['k'\]: 'a;b'; may contain only"),
    (
        "HPO-JOB-014",
        lambda s: {"provider": _imported_provider()},
        r"training.role: 'Rules/Tuning/TrainingRole'; a role created in this app cannot be used with an imported",
    ),
    # strategies
    (
        "HPO-STRATEGY-001",
        lambda s: {"strategy": Hyperband(min_resource=0, max_resource=10)},
        r"strategy.min_resource: 0.*>= 1",
    ),
    (
        "HPO-STRATEGY-002",
        lambda s: {"strategy": Hyperband(max_resource=20001)},
        r"strategy.max_resource: 20001.*<= 20000",
    ),
    (
        "HPO-STRATEGY-003",
        lambda s: {"strategy": Hyperband(min_resource=50, max_resource=10)},
        r"min_resource: 50.*<= max_resource \(10\)",
    ),
    ("HPO-STRATEGY-004", lambda s: {"strategy": Hyperband()}, r"strategy.max_resource: None.*epochs, numepochs"),
    (
        "HPO-STRATEGY-005",
        lambda s: {"strategy": Hyperband(), "training": training(static_hyperparameters={"epochs": "abc"})},
        r"static_hyperparameters\['epochs'\]: 'abc'.*infers max_resource from it: must be a whole number",
    ),
    (
        "HPO-STRATEGY-006",
        lambda s: {"strategy": Hyperband(min_resource=20), "training": training(static_hyperparameters={"epochs": 10})},
        r"strategy.min_resource: 20.*infers from the static hyperparameter epochs \(10\)",
    ),
    ("HPO-STRATEGY-007", lambda s: {"max_jobs": 751, "max_parallel_jobs": 5}, r"max_jobs: 751.*<= 750"),
    (
        "HPO-STRATEGY-008",
        lambda s: {"strategy": GridSearch(), "max_jobs": None, "max_parallel_jobs": 1},
        r"parameter_ranges\[0\] \(eta\): 'ContinuousRange'.*categorical ranges only",
    ),
    (
        "HPO-STRATEGY-009",
        lambda s: {
            "strategy": GridSearch(),
            "max_jobs": 5,
            "max_parallel_jobs": 1,
            "parameter_ranges": [CategoricalRange("a", [1, 2]), CategoricalRange("b", ["x", "y", "z"])],
        },
        r"max_jobs: 5.*number of combinations \(6\)",
    ),
    (
        "HPO-STRATEGY-010",
        lambda s: {
            "strategy": Bayesian(),
            "max_jobs": 20,
            "parameter_ranges": [IntegerRange("max_depth", 1, 3), CategoricalRange("booster", ["gbtree", "dart"])],
        },
        r"max_jobs: 20.*6 combinations",
    ),
    # training
    (
        "HPO-TRAIN-001:size",
        lambda s: {"training": training(instance_type="ml.m5.xxxlarge")},
        r"instance_type: 'ml.m5.xxxlarge'; is not a SageMaker training instance type; ml.m5 sizes: ml.m5.large.*"
        r"allow_unlisted_instance_type=True",
    ),
    (
        "HPO-TRAIN-001:family",
        lambda s: {"training": training(instance_type="ml.fake.huge")},
        r"instance_type: 'ml.fake.huge'; is not a SageMaker training instance type",
    ),
    ("HPO-TRAIN-001:prefix", lambda s: {"training": training(instance_type="m5.xlarge")}, r"'m5.xlarge'"),
    (
        "HPO-TRAIN-002",
        lambda s: {"training": training(instance_type="m5.xlarge", allow_unlisted_instance_type=True)},
        r"instance_type: 'm5.xlarge'; must look like ml.<family>.<size>",
    ),
    ("HPO-TRAIN-003", lambda s: {"training": training(instance_count=0)}, r"training.instance_count: 0.*>= 1"),
    (
        "HPO-TRAIN-004",
        lambda s: {"training": training(volume_size=cdk.Size.tebibytes(100))},
        r"training.volume_size: '102400 GiB'; must be 1 to 16384 GiB",
    ),
    (
        "HPO-TRAIN-005",
        lambda s: {"training": training(max_runtime=cdk.Duration.days(29))},
        r"training.max_runtime \(seconds\): 2505600.*<= 2419200",
    ),
    (
        "HPO-TRAIN-006",
        lambda s: {"training": training(max_wait=cdk.Duration.hours(1))},
        r"training.max_wait.*only allowed with use_spot_instances",
    ),
    (
        "HPO-TRAIN-007",
        lambda s: {
            "training": training(
                use_spot_instances=True, max_runtime=cdk.Duration.hours(2), max_wait=cdk.Duration.hours(1)
            )
        },
        r"training.max_wait: '1 hour'.*at least max_runtime \(2 hours\)",
    ),
    (
        "HPO-TRAIN-009",
        lambda s: {"training": training(environment={f"K{i}": "v" for i in range(49)})},
        r"training.environment: '49 entries'.*0 to 48",
    ),
    ("HPO-TRAIN-010", lambda s: {"training": training(environment={"1BAD": "v"})}, r"training.environment key: '1BAD'"),
    (
        "HPO-TRAIN-011",
        lambda s: {"training": training(environment={"K": "v" * 513})},
        r"training.environment\['K'\].*0 to 512",
    ),
    (
        "HPO-TRAIN-012",
        lambda s: {
            "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::12345:role/x", mutable=False))
        },
        r"training.role: 'arn:aws:iam::12345:role/x'.*IAM role ARN",
    ),
    ("HPO-TRAIN-013", lambda s: _subnets(s, 17), r"training.subnets: '17 entries'.*1 to 16"),
    ("HPO-TRAIN-014", lambda s: _vpc_training(s, 6), r"training.security_groups: '6 entries'.*1 to 5"),
    # images
    (
        "HPO-IMAGE-001",
        lambda s: {"training": training(image=TrainingImage.builtin_algorithm("xgbost", "1.7-1"))},
        r"training.image: 'xgbost'; is not a built-in algorithm the library knows \(known: .*xgboost\); did you mean "
        r"'xgboost'\?",
    ),
    (
        "HPO-IMAGE-002",
        lambda s: {"training": training(image=TrainingImage.builtin_algorithm("xgboost", "0.9"))},
        r"training.image: '0.9'; is not a published xgboost version; published: 1, 0.90-1, .*1.7-1",
    ),
    # data
    (
        "HPO-DATA-001:output",
        lambda s: {"training": training(output_path="https:/nowhere")},
        r"output_path: 'https:/nowhere'",
    ),
    (
        "HPO-DATA-001:input",
        lambda s: {"training": training(inputs={"train": "/local/path"})},
        r"training.inputs\['train'\]: '/local/path'; not an S3 URI",
    ),
    (
        "HPO-DATA-001:checkpoint",
        lambda s: {"training": training(checkpoint_path="checkpoints/")},
        r"training.checkpoint_path: 'checkpoints/'; not an S3 URI",
    ),
    (
        "HPO-DATA-002",
        lambda s: {"training": training(inputs={"train": "s3://My_Data/train/"})},
        r"training.inputs\['train'\]: 's3://My_Data/train/'; bucket name 'My_Data' is not a valid S3 bucket name",
    ),
    (
        "HPO-DATA-002:short",
        lambda s: {"training": training(output_path="s3://b/out/")},
        r"training.output_path: 's3://b/out/'; bucket name 'b'",
    ),
    (
        "HPO-DATA-003",
        lambda s: {"training": training(inputs={"train data": _csv("s3://bkt/t/")})},
        r"channel name: 'train data'.*\[A-Za-z0-9",
    ),
    (
        "HPO-DATA-004",
        lambda s: {"training": training(inputs={f"c{i}": "s3://bkt/p/" for i in range(21)})},
        r"training.inputs: '21 entries'.*0 to 20",
    ),
    (
        "HPO-DATA-005",
        lambda s: {"training": training(inputs={"train": _csv("s3://bkt/t/", "csv")})},
        r"training.inputs\['train'\].content_type: 'csv'; must be a MIME type",
    ),
    (
        "HPO-DATA-006",
        lambda s: {"training": training(inputs={"train": "s3://my-data/train/"})},
        r"training.inputs\['train'\].content_type: None; built-in XGBoost reads a channel without a content type as "
        r"libsvm",
    ),
    (
        "HPO-DATA-007",
        lambda s: {"training": training(inputs={"train": _csv("s3://bkt/t/", "application/json")})},
        r"content_type: 'application/json'; built-in XGBoost reads text/csv",
    ),
    # metrics
    ("HPO-METRIC-001", lambda s: {"objective": Objective.maximize("m" * 256)}, r"objective.metric_name.*1 to 255"),
    (
        "HPO-METRIC-002",
        lambda s: _custom(s, metric_definitions=[]),
        r"objective.metric_name: 'validation:accuracy'.*custom image needs a metric definition",
    ),
    (
        "HPO-METRIC-005",
        lambda s: _custom(s, metric_definitions=_metrics(41)),
        r"training.metric_definitions: '41 entries'.*0 to 40",
    ),
    (
        "HPO-METRIC-006",
        lambda s: _custom(s, metric_definitions=[*_metrics(1), MetricDefinition("m" * 256, r"m=([0-9.]+)")]),
        r"metric_definitions\[1\].name.*1 to 255",
    ),
    (
        "HPO-METRIC-007",
        lambda s: _custom(s, metric_definitions=[*_metrics(1), MetricDefinition("m", "m=([0-9.]+)" + "x" * 490)]),
        r"metric_definitions\[1\].regex.*1 to 500",
    ),
    (
        "HPO-METRIC-008",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=([0-9.]+")]),
        r"metric_definitions\[0\].regex.*valid regular expression",
    ),
    (
        "HPO-METRIC-009",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=[0-9.]+")]),
        r"metric_definitions\[0\].regex: 'acc=\[0-9.\]\+'.*exactly one capture group \(has 0\)",
    ),
    (
        "HPO-METRIC-010",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"(a+)+$")]),
        r"metric_definitions\[0\].regex: '\(a\+\)\+\$'; has a repeated group containing another repeat",
    ),
    (
        "HPO-METRIC-010:star",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=((?:\d*\.?)*)")]),
        r"nested quantifiers",
    ),
    (
        "HPO-METRIC-011",
        lambda s: _gpu_job(metric_definitions=[MetricDefinition("validation:accuracy", r"val_acc=([0-9.]+)")]),
        r"metric_definitions\[2\].regex: 'val_acc=\(\[0-9.\]\+\)'; reads no number for 'validation:accuracy' from "
        r"the image's sample log lines",
    ),
    # warm start
    (
        "HPO-WARM-001:too-many",
        lambda s: {"warm_start": WarmStart(parents=[f"parent-{i}" for i in range(6)])},
        r"warm_start.parents: '6 entries'.*1 to 5",
    ),
    ("HPO-WARM-001:none", lambda s: {"warm_start": WarmStart(parents=[])}, r"warm_start.parents: '0 entries'"),
    (
        "HPO-WARM-002",
        lambda s: {"warm_start": WarmStart(parents=["not_a_job"])},
        r"warm_start.parents\[0\]: 'not_a_job'.*tuning job name",
    ),
    (
        "HPO-WARM-003",
        lambda s: {"warm_start": WarmStart(parents=[_parent(s, objective=Objective.minimize("validation:rmse"))])},
        r"warm_start.parents\[0\]: 'Rules/Parent'.*same objective \(Maximize validation:auc\).*Minimize validation:rmse",
    ),
    (
        "HPO-WARM-004",
        lambda s: {"warm_start": WarmStart(parents=[job(s, "Parent")])},
        r"warm_start.parents\[0\]: 'Rules/Parent'.*must have finished.*wait_for_completion=True",
    ),
    (
        "HPO-WARM-005",
        lambda s: {"warm_start": WarmStart(parents=[_parent(s, parameter_ranges=[ContinuousRange("eta", 0, 1)])])},
        r"'Rules/Parent'.*as many static and tuned hyperparameters in total as this job \(6\); it has 3",
    ),
    (
        "HPO-WARM-006",
        lambda s: {
            "warm_start": WarmStart(
                parents=[_parent(s, parameter_ranges=[*XGB_RANGES[:3], ContinuousRange("max_depth", 1, 10)])]
            )
        },
        r"'max_depth' must keep its type: it is a ContinuousRange in the parent and a IntegerRange here",
    ),
]

# (case id, overrides): each builds, and adds no warning of the case's rule.
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-IMAGE-001", lambda s: {"training": training(image=TrainingImage.builtin_algorithm("XGBoost", "3.0-5"))}),
    ("HPO-IMAGE-002", lambda s: {"training": training(image=TrainingImage.builtin_algorithm("xgboost", "3.0-5"))}),
    ("HPO-TYPE-001", lambda s: {"strategy": Hyperband(min_resource=10, max_resource=100)}),
    (
        "HPO-TYPE-002",
        lambda s: {
            "max_runtime": cdk.Duration.hours(2),
            "tags": {"team": "ml"},
            "training": training(volume_size=cdk.Size.gibibytes(50), input_mode=InputMode.FILE),
        },
    ),
    (
        "HPO-TYPE-003",
        lambda s: {"training": training(max_runtime=cdk.Duration.millis(2000), volume_size=cdk.Size.mebibytes(2048))},
    ),
    (
        "HPO-HP-001",
        lambda s: _custom(
            s, static_hyperparameters={"a": "x", "b": 1, "c": 0.5, "d": True, "e": Json({"units": [64, 32]})}
        ),
    ),
    ("HPO-HP-002", lambda s: _custom(s, static_hyperparameters={"n" * 256: 1})),
    ("HPO-HP-003", lambda s: _custom(s, static_hyperparameters={"x": "v" * 2500})),
    ("HPO-HP-004", lambda s: _custom(s, static_hyperparameters=_static(95))),
    (
        "HPO-RANGE-001",
        lambda s: {**_custom(s), "parameter_ranges": [ContinuousRange(f"p{i}", 0, 1) for i in range(30)]},
    ),
    ("HPO-RANGE-002", lambda s: {**_custom(s), "parameter_ranges": [ContinuousRange("n" * 256, 0, 1)]}),
    (
        "HPO-RANGE-003",
        lambda s: {**_custom(s), "parameter_ranges": [ContinuousRange("eta", 0, 1), IntegerRange("depth", 1, 3)]},
    ),
    ("HPO-RANGE-004", lambda s: {**_custom(s), "parameter_ranges": [ETA, IntegerRange("rounds", 1, 3)]}),
    ("HPO-RANGE-005", lambda s: {"parameter_ranges": [ContinuousRange("eta", -1e300, 1e300)]}),
    ("HPO-RANGE-006", lambda s: {**_custom(s), "parameter_ranges": [IntegerRange("n", -(2**63), 2**63 - 1)]}),
    ("HPO-RANGE-007", lambda s: {"parameter_ranges": [ContinuousRange("eta", 0.1, 0.2)]}),
    (
        "HPO-RANGE-008",
        lambda s: {**_custom(s), "parameter_ranges": [ContinuousRange("lr", 1e-6, 0.1, ScalingType.LOGARITHMIC)]},
    ),
    (
        "HPO-RANGE-009",
        lambda s: {**_custom(s), "parameter_ranges": [IntegerRange("b", 4, 512, ScalingType.LOGARITHMIC)]},
    ),
    (
        "HPO-RANGE-010",
        lambda s: {**_custom(s), "parameter_ranges": [ContinuousRange("m", 0, 0.99, ScalingType.REVERSE_LOGARITHMIC)]},
    ),
    ("HPO-RANGE-011", lambda s: {"parameter_ranges": [ETA, CategoricalRange("booster", ["dart"])]}),
    ("HPO-RANGE-012", lambda s: {**_custom(s), "parameter_ranges": [ETA, CategoricalRange("c", ["x", 1, 0.5, True])]}),
    ("HPO-RANGE-013", lambda s: {**_custom(s), "parameter_ranges": [CategoricalRange("c", list(range(30)))]}),
    ("HPO-RANGE-014", lambda s: {**_custom(s), "parameter_ranges": [ETA, CategoricalRange("c", [1, 2, "3"])]}),
    ("HPO-RANGE-015", lambda s: {**_custom(s), "parameter_ranges": [ETA, CategoricalRange("c", ["v" * 256])]}),
    ("HPO-JOB-001", lambda s: {"tuning_job_name": "My-Job-1" + "a" * 24}),
    (
        "HPO-JOB-002",
        lambda s: {
            **_custom(s),
            "strategy": GridSearch(),
            "max_jobs": None,
            "parameter_ranges": [CategoricalRange("a", [1, 2, 3, 4, 5])],
        },
    ),
    ("HPO-JOB-003", lambda s: {"strategy": RandomSearch(), "max_jobs": 2**31 - 1}),
    ("HPO-JOB-004", lambda s: {"max_jobs": 5, "max_parallel_jobs": 5}),
    ("HPO-JOB-005", lambda s: {"max_jobs": 40, "max_parallel_jobs": 10}),
    ("HPO-JOB-006", lambda s: {"max_runtime": cdk.Duration.seconds(15_768_000)}),
    ("HPO-JOB-006:minimum", lambda s: {"max_runtime": cdk.Duration.seconds(120)}),
    ("HPO-JOB-007", lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.minutes(45)}),
    ("HPO-JOB-007:hours", lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.seconds(42_300)}),
    ("HPO-JOB-008", lambda s: {"random_seed": 2**31 - 1}),
    ("HPO-JOB-009", lambda s: {"completion_criteria": CompletionCriteria(max_jobs_not_improving=3)}),
    ("HPO-JOB-010", lambda s: {"completion_criteria": CompletionCriteria(target_objective_value=0.9)}),
    ("HPO-JOB-011", lambda s: {"tags": {f"k{i}": "v" for i in range(44)}}),
    ("HPO-JOB-016", lambda s: {}),
    ("HPO-JOB-017", lambda s: _team_job(s)),
    ("HPO-JOB-018", lambda s: _team_job(s, tuning_job_name=f"{_team(s).name_prefix}-job")),
    ("HPO-NAME-010", lambda s: {"tuning_job_name": _claimed_name(s, "first-name", "second-name")}),
    (
        "HPO-EVENT-010",
        lambda s: _custom(s, static_hyperparameters={f"v{i:02d}": "x" * 2500 for i in range(40)}),
    ),
    ("HPO-JOB-012", lambda s: {"tags": {"team name:a_b/c=d+e-f@g é1": "v"}}),
    ("HPO-JOB-013", lambda s: {"tags": {"k": "v" * 256, "j": "a b:c/d=e+f-g@h_i.j"}}),
    ("HPO-JOB-014", lambda s: {"provider": _imported_provider(), "training": training(role=_imported_role(s))}),
    (
        "HPO-JOB-015",
        lambda s: {
            "provider": _imported_provider("team"),
            "tuning_job_name": "team-fixed-name",
            "training": training(role=_imported_role(s)),
        },
    ),
    ("HPO-STRATEGY-001", lambda s: {"strategy": Hyperband(min_resource=1, max_resource=10)}),
    ("HPO-STRATEGY-002", lambda s: {"strategy": Hyperband(min_resource=1, max_resource=20000)}),
    ("HPO-STRATEGY-003", lambda s: {"strategy": Hyperband(min_resource=10, max_resource=10)}),
    (
        "HPO-STRATEGY-004",
        lambda s: {**_custom(s, static_hyperparameters={"num_epochs": 20}), "strategy": Hyperband()},
    ),
    (
        "HPO-STRATEGY-005",
        lambda s: {**_custom(s, static_hyperparameters={"epochs": 20}), "strategy": Hyperband()},
    ),
    (
        "HPO-STRATEGY-006",
        lambda s: {**_custom(s, static_hyperparameters={"epochs": 10}), "strategy": Hyperband(min_resource=10)},
    ),
    ("HPO-STRATEGY-007", lambda s: {"max_jobs": 750}),
    (
        "HPO-STRATEGY-008",
        lambda s: {
            **_custom(s),
            "strategy": GridSearch(),
            "max_jobs": None,
            "parameter_ranges": [CategoricalRange("a", [1, 2]), CategoricalRange("b", ["x", "y", "z"])],
        },
    ),
    (
        "HPO-STRATEGY-009",
        lambda s: {
            **_custom(s),
            "strategy": GridSearch(),
            "max_jobs": 6,
            "max_parallel_jobs": 2,
            "parameter_ranges": [CategoricalRange("a", [1, 2]), CategoricalRange("b", ["x", "y", "z"])],
        },
    ),
    (
        "HPO-STRATEGY-010",
        lambda s: {
            "strategy": Bayesian(),
            "max_jobs": 6,
            "parameter_ranges": [IntegerRange("max_depth", 1, 3), CategoricalRange("booster", ["gbtree", "dart"])],
        },
    ),
    ("HPO-STRATEGY-011", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    ("HPO-TRAIN-001", lambda s: {"training": training(instance_type="ml.p4d.24xlarge")}),
    (
        "HPO-TRAIN-002",
        lambda s: {"training": training(instance_type="ml.g5.xlarge", allow_unlisted_instance_type=True)},
    ),
    ("HPO-TRAIN-003", lambda s: {"training": training(instance_count=2)}),
    ("HPO-TRAIN-004", lambda s: {"training": training(volume_size=cdk.Size.tebibytes(16))}),
    ("HPO-TRAIN-005", lambda s: {"training": training(max_runtime=cdk.Duration.days(28))}),
    (
        "HPO-TRAIN-006",
        lambda s: {
            "training": training(
                use_spot_instances=True, max_wait=cdk.Duration.hours(48), checkpoint_path="s3://bkt/c/"
            )
        },
    ),
    (
        "HPO-TRAIN-007",
        lambda s: {
            "training": training(
                use_spot_instances=True,
                max_runtime=cdk.Duration.hours(2),
                max_wait=cdk.Duration.hours(2),
                checkpoint_path="s3://bkt/checkpoints/",
            )
        },
    ),
    (
        "HPO-TRAIN-008",
        lambda s: {"training": training(use_spot_instances=True, checkpoint_path="s3://bkt/checkpoints/")},
    ),
    ("HPO-TRAIN-009", lambda s: {"training": training(environment={f"K_{i}": "v" for i in range(48)})}),
    ("HPO-TRAIN-010", lambda s: {"training": training(environment={"_K1": "v"})}),
    ("HPO-TRAIN-011", lambda s: {"training": training(environment={"K": "v" * 512})}),
    (
        "HPO-TRAIN-012",
        lambda s: {
            "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::123456789012:role/x", mutable=False))
        },
    ),
    ("HPO-TRAIN-013", lambda s: _subnets(s, 16)),
    ("HPO-TRAIN-014", lambda s: _vpc_training(s, 5)),
    (
        "HPO-DATA-001",
        lambda s: {"training": training(output_path="s3://my-data/out", checkpoint_path="s3://my-data/c/")},
    ),
    ("HPO-DATA-002", lambda s: {"training": training(inputs={"train": _csv("s3://my.data-1/train/")})}),
    ("HPO-DATA-003", lambda s: {"training": training(inputs={"c.1-_": "s3://bkt/p/"})}),
    ("HPO-DATA-004", lambda s: {"training": training(inputs={f"c.{i}-_": "s3://bkt/p/" for i in range(20)})}),
    ("HPO-DATA-004:none", lambda s: {"training": training(inputs={})}),
    ("HPO-DATA-005", lambda s: {"training": training(inputs={"train": _csv("s3://bkt/t/", "text/csv; label_size=1")})}),
    ("HPO-DATA-006", lambda s: {"training": training(inputs={"train": _csv("s3://bkt/t/"), "extra": "s3://bkt/x/"})}),
    ("HPO-DATA-007", lambda s: {"training": training(inputs={"train": _csv("s3://bkt/t/", "text/libsvm")})}),
    ("HPO-METRIC-001", lambda s: {"objective": Objective.maximize("validation:rmse")}),
    ("HPO-METRIC-002", lambda s: _custom(s)),
    ("HPO-METRIC-003", lambda s: {"objective": Objective.minimize("validation:logloss")}),
    ("HPO-METRIC-004", lambda s: _custom(s)),
    ("HPO-METRIC-005", lambda s: _custom(s, metric_definitions=_metrics(40))),
    (
        "HPO-METRIC-006",
        lambda s: _custom(s, metric_definitions=[*_metrics(1), MetricDefinition("m" * 255, r"m=(\d+)")]),
    ),
    (
        "HPO-METRIC-007",
        lambda s: _custom(s, metric_definitions=[*_metrics(1), MetricDefinition("m", "m=(1)" + "x" * 495)]),
    ),
    (
        "HPO-METRIC-008",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=([0-9.]+)")]),
    ),
    (
        "HPO-METRIC-009",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"a(?:c)c=([0-9.]+)")]),
    ),
    ("HPO-METRIC-010", lambda s: _gpu_job()),
    ("HPO-METRIC-011", lambda s: _gpu_job()),
    (
        "HPO-WARM-001",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(parents=[_parent(s)] + [f"p-{i}" for i in range(4)]),
        },
    ),
    ("HPO-WARM-002", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=["earlier-job-1"])}),
    ("HPO-WARM-003", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    ("HPO-WARM-004", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    ("HPO-WARM-005", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    ("HPO-WARM-006", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    ("HPO-WARM-007", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
]

# (case id, overrides, expected warning): the warning carries the rule id (and can be acknowledged by it).
WARNS: list[tuple[str, Overrides, str]] = [
    ("HPO-JOB-005", lambda s: {"max_jobs": 40, "max_parallel_jobs": 11}, "exceeds the default quota of 10"),
    (
        "HPO-JOB-015",
        lambda s: {
            "tuning_job_name": "fixed-name",
            "training": training(role=_imported_role(s)),
            "provider": _imported_provider(),
        },
        "may only manage jobs named with its own prefix",
    ),
    (
        "HPO-STRATEGY-011",
        lambda s: {"warm_start": WarmStart(parents=["earlier-job"])},
        "warm_start with Hyperband",
    ),
    (
        "HPO-TRAIN-002",
        lambda s: {"training": training(instance_type="ml.p9.96xlarge", allow_unlisted_instance_type=True)},
        "'ml.p9.96xlarge' is not in this library's list of training instance types",
    ),
    ("HPO-TRAIN-008", lambda s: {"training": training(use_spot_instances=True)}, "without checkpoint_path"),
    (
        "HPO-METRIC-003",
        lambda s: {"objective": Objective.maximize("validation:made-up")},
        "not a metric this built-in algorithm",
    ),
    (
        "HPO-METRIC-004",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"final accuracy=([0-9.]+)")]),
        "Hyperband reads 'validation:accuracy' after every epoch, but its regex .* looks for a 'final' line",
    ),
    (
        "HPO-WARM-007",
        lambda s: {"warm_start": WarmStart(parents=["earlier-job"])},
        "parents earlier-job must have finished",
    ),
]

# -- issue 16: guardrails (HPO-GUARD), cross-field service rules, reserved and repeated names, bucket names ------------


def _guarded(
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


def _unencrypted_output(stack: cdk.Stack) -> S3Location:
    """The team ``guarded``'s output prefix by bucket name only: no KMS key goes with it."""
    bucket = stack.node.find_child("Guarded").artifacts_bucket
    return S3Location(bucket.bucket_name, "output/teams/guarded/x/")


def _grid(max_jobs: int | None = None) -> dict[str, Any]:
    """A GridSearch over 3 x 2 = 6 combinations, max_jobs left out unless given."""
    ranges = [CategoricalRange("max_depth", ["3", "5", "7"]), CategoricalRange("eta", ["0.1", "0.3"])]
    return {"strategy": GridSearch(), "parameter_ranges": ranges, "max_jobs": max_jobs, "max_parallel_jobs": 2}


def _other_region_output(stack: cdk.Stack) -> S3Location:
    bucket = s3.Bucket.from_bucket_attributes(stack, "UsBucket", bucket_name="my-data-us", region="us-east-1")
    return S3Location.from_bucket(bucket, "out/")


def _gzip(mode: InputMode | None = None) -> S3Input:
    return S3Input.from_uri("s3://my-data/train/", compression=CompressionType.GZIP, input_mode=mode)


HOUR = cdk.Duration.hours(1)

#: Stack props of the cases that need a stack with a known Region.
STACK_PROPS: dict[str, dict[str, Any]] = {
    "HPO-DATA-009": {"env": cdk.Environment(account="111122223333", region="eu-west-1")},
}

FAILING += [
    (
        "HPO-GUARD-001",
        lambda s: _guarded(s, Guardrails(instance_types=["ml.c5.*"])),
        r"training.instance_type: 'ml.m5.xlarge'; the platform's guardrails: must be one of ml.c5.\*",
    ),
    (
        "HPO-GUARD-002",
        lambda s: _guarded(s, Guardrails(max_instances_per_job=1), instance_count=2),
        r"training.instance_count: 2; the platform's guardrails: must be at most 1",
    ),
    (
        "HPO-GUARD-003",
        lambda s: _guarded(s, Guardrails(max_parallel_jobs=2)),
        r"max_parallel_jobs: 5; the platform's guardrails: must be at most 2",
    ),
    (
        "HPO-GUARD-004",
        lambda s: _guarded(s, Guardrails(max_training_runtime=cdk.Duration.hours(2))),
        r"training.max_runtime: '86400 s'; the platform's guardrails: must be at most 7200 s",
    ),
    (
        "HPO-GUARD-005",
        lambda s: _guarded(s, Guardrails(max_instance_hours=10), max_runtime=HOUR),
        r"max_jobs x training.instance_count x training.max_runtime: '20 x 1 x 3600 s = 20 instance-hours'",
    ),
    (
        "HPO-GUARD-006",
        lambda s: _guarded(s, Guardrails(max_instance_hours=5), _grid(), max_runtime=HOUR),
        r"grid size \(max_jobs left out\) x .*: '6 combinations x 1 x 3600 s = 6 instance-hours'.*at most 5",
    ),
    (
        "HPO-GUARD-007",
        lambda s: _guarded(s, Guardrails(require_spot=True)),
        r"training.use_spot_instances: False; the platform's guardrails: must be True",
    ),
    (
        "HPO-GUARD-008",
        lambda s: _guarded(s, Guardrails(require_vpc=True)),
        r"training.vpc: None; the platform's guardrails: training jobs must run in a VPC",
    ),
    (
        "HPO-GUARD-009",
        lambda s: _guarded(s, Guardrails(require_network_isolation=True)),
        r"training.enable_network_isolation: False; the platform's guardrails: must be True",
    ),
    (
        "HPO-GUARD-010",
        lambda s: _guarded(s, Guardrails(require_inter_container_encryption=True)),
        r"training.enable_inter_container_traffic_encryption: False; the platform's guardrails: must be True",
    ),
    (
        "HPO-GUARD-011",
        lambda s: _guarded(s, Guardrails(require_kms=True)),
        r"training.volume_kms_key: None; the platform's guardrails: must be the platform's KMS key",
    ),
    (
        "HPO-GUARD-012",
        lambda s: _output_unkeyed(s),
        r"training.output_kms_key: None; the platform's guardrails: must be the platform's KMS key",
    ),
    (
        "HPO-GUARD-013",
        lambda s: _guarded(s, Guardrails(required_tags=["cost-center"])),
        r"tags: \[\]; the platform's guardrails: must include the tag keys cost-center",
    ),
    (
        "HPO-HP-005",
        lambda s: {"training": training(static_hyperparameters={"_tuning_objective_metric": "validation:auc"})},
        r"training.static_hyperparameters: '_tuning_objective_metric'; is reserved",
    ),
    (
        "HPO-HP-005:tuned",
        lambda s: {"parameter_ranges": [*XGB_RANGES, CategoricalRange("_tuning_objective_metric", ["a", "b"])]},
        r"parameter_ranges\[4\].name: '_tuning_objective_metric'; is reserved",
    ),
    (
        "HPO-HP-006",
        lambda s: {"parameter_ranges": [*XGB_RANGES, CategoricalRange("sagemaker_program", ["a.py", "b.py"])]},
        r"parameter_ranges\[4\].name: 'sagemaker_program'; is read by the SageMaker training toolkit",
    ),
    (
        "HPO-METRIC-012",
        lambda s: _custom(
            s,
            metric_definitions=[
                MetricDefinition("validation:accuracy", r"a=([0-9.]+)"),
                MetricDefinition("validation:accuracy", r"b=([0-9.]+)"),
            ],
        ),  # fmt: skip
        r"training.metric_definitions\[1\].name: 'validation:accuracy'; is defined twice",
    ),
    (
        "HPO-TRAIN-015",
        lambda s: {"training": training(instance_type="ml.g4dn.xlarge", volume_kms_key=kms.Key(s, "VolumeKey"))},
        r"training.volume_kms_key: 'Rules/VolumeKey'; ml.g4dn.xlarge has local NVMe storage",
    ),
    (
        "HPO-TRAIN-016",
        lambda s: _repeated_security_group(s),
        r"training.security_groups: \[.*\]; each id may be listed once",
    ),
    (
        "HPO-DATA-002:reserved-suffix",
        lambda s: {"training": training(output_path="s3://my-data--x-s3/out/")},
        r"bucket name 'my-data--x-s3' is not a valid S3 bucket name: must not end with '--x-s3'",
    ),
    (
        "HPO-DATA-002:xn",
        lambda s: {"training": training(checkpoint_path="s3://xn--data/ckpt/")},
        r"training.checkpoint_path: .*must not start with 'xn--'",
    ),
    (
        "HPO-DATA-002:ip",
        lambda s: {"training": training(output_path="s3://192.168.5.4/out/")},
        r"must not be formatted as an IP address",
    ),
    (
        "HPO-DATA-002:dots",
        lambda s: {"training": training(output_path="s3://my..data/out/")},
        r"must not contain two adjacent dots",
    ),
    (
        "HPO-DATA-008",
        lambda s: _custom(s, inputs={"train": _gzip()}),
        r"training.inputs\['train'\].compression: 'Gzip'; Gzip is read in Pipe mode only; this channel is read in File",
    ),
    (
        "HPO-DATA-008:fast-file",
        lambda s: _custom(s, inputs={"train": _gzip(InputMode.FAST_FILE)}, input_mode=InputMode.PIPE),
        r"read in FastFile mode",
    ),
    (
        "HPO-DATA-009",
        lambda s: {"training": training(output_path=_other_region_output(s))},
        r"training.output_path: 's3://my-data-us/out/'; the bucket is in us-east-1, the job's stack in eu-west-1",
    ),
    (
        "HPO-WARM-008",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(
                parents=[_parent(s, training=training(image=TrainingImage.builtin_algorithm("xgboost", "3.0-5")))]
            ),
        },  # fmt: skip
        r"warm_start.parents\[0\]: 'Rules/Parent'; IdenticalDataAndAlgorithm promises the parents' training image",
    ),
    (
        "HPO-WARM-009",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(
                parents=[
                    _parent(
                        s,
                        training=training(
                            inputs={
                                "train": _csv("s3://other-data/train/"),
                                "validation": _csv("s3://my-data/validation/"),
                            }
                        ),
                    )
                ]
            ),
        },  # fmt: skip
        r"'Rules/Parent'; IdenticalDataAndAlgorithm promises the parents' input data, but the channels train differ",
    ),
    (
        "HPO-WARM-010",
        lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[*[_parent(s)] * 2])},
        r"warm_start.parents\[1\]: 'Rules/Parent'; is listed twice",
    ),
]

PASSING += [
    ("HPO-GUARD-001", lambda s: _guarded(s, Guardrails(instance_types=["ml.c5.*", "ml.m5.*"]))),
    ("HPO-GUARD-002", lambda s: _guarded(s, Guardrails(max_instances_per_job=2), instance_count=2)),
    ("HPO-GUARD-003", lambda s: _guarded(s, Guardrails(max_parallel_jobs=5))),
    ("HPO-GUARD-004", lambda s: _guarded(s, Guardrails(max_training_runtime=HOUR), max_runtime=HOUR)),
    ("HPO-GUARD-005", lambda s: _guarded(s, Guardrails(max_instance_hours=20), max_runtime=HOUR)),
    ("HPO-GUARD-006", lambda s: _guarded(s, Guardrails(max_instance_hours=6), _grid(), max_runtime=HOUR)),
    ("HPO-GUARD-007", lambda s: _guarded(s, Guardrails(require_spot=True), use_spot_instances=True)),
    ("HPO-GUARD-008", lambda s: _guarded(s, Guardrails(require_vpc=True), vpc=_vpc(s))),
    ("HPO-GUARD-009", lambda s: _guarded(s, Guardrails(require_network_isolation=True), enable_network_isolation=True)),
    (
        "HPO-GUARD-010",
        lambda s: _guarded(
            s, Guardrails(require_inter_container_encryption=True), enable_inter_container_traffic_encryption=True
        ),
    ),
    ("HPO-GUARD-011", lambda s: _keyed(s)),
    (
        "HPO-GUARD-011:local-storage",
        lambda s: _guarded(s, Guardrails(require_kms=True), instance_type="ml.g4dn.xlarge"),
    ),
    ("HPO-GUARD-012", lambda s: _keyed(s)),
    (
        "HPO-GUARD-013",
        lambda s: _guarded(s, Guardrails(required_tags=["cost-center"]), {"tags": {"cost-center": "cv"}}),
    ),
    ("HPO-HP-005", lambda s: _custom(s, static_hyperparameters={"tuning_objective_metric": "x"})),
    ("HPO-HP-006", lambda s: _custom(s, static_hyperparameters={"sagemaker_program": "train.py"})),
    (
        "HPO-METRIC-012",
        lambda s: _custom(
            s,
            image=TrainingImage.from_image_uri(
                "1.dkr.ecr.us-east-1.amazonaws.com/x:1",
                metric_definitions=[MetricDefinition("validation:accuracy", r"old=([0-9.]+)")],
            ),
        ),
    ),  # fmt: skip
    ("HPO-TRAIN-015", lambda s: {"training": training(instance_type="ml.m5.xlarge", volume_kms_key=kms.Key(s, "K"))}),
    ("HPO-TRAIN-015:no-key", lambda s: {"training": training(instance_type="ml.g4dn.xlarge")}),
    ("HPO-TRAIN-016", lambda s: _vpc_training(s, 2)),
    ("HPO-DATA-008", lambda s: _custom(s, inputs={"train": _gzip(InputMode.PIPE)})),
    ("HPO-DATA-008:definition", lambda s: _custom(s, inputs={"train": _gzip()}, input_mode=InputMode.PIPE)),
    (
        "HPO-DATA-009",
        lambda s: {
            "training": training(
                output_path=S3Location.from_bucket(
                    s3.Bucket.from_bucket_attributes(s, "EuBucket", bucket_name="my-data-eu", region="eu-west-1"),
                    "out/",
                )
            )
        },
    ),  # fmt: skip
    ("HPO-WARM-008", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    (
        "HPO-WARM-008:transfer",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(
                type=WarmStartType.TRANSFER_LEARNING,
                parents=[_parent(s, training=training(image=TrainingImage.builtin_algorithm("xgboost", "3.0-5")))],
            ),
        },  # fmt: skip
    ),
    ("HPO-WARM-009", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s)])}),
    ("HPO-WARM-010", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[_parent(s), "earlier-job"])}),
]


def _guarded_key(stack: cdk.Stack) -> Any:
    return stack.node.find_child("Guarded").key


def _keyed(stack: cdk.Stack) -> dict[str, Any]:
    """A job of the team ``guarded`` under ``require_kms`` with the platform's key on volumes and output."""
    props = _guarded(stack, Guardrails(require_kms=True))
    return _guarded_retrained(stack, props, volume_kms_key=_guarded_key(stack))


def _output_unkeyed(stack: cdk.Stack) -> dict[str, Any]:
    props = _guarded(stack, Guardrails(require_kms=True))
    return _guarded_retrained(stack, props, output_path=_unencrypted_output(stack), volume_kms_key=_guarded_key(stack))


def _guarded_retrained(stack: cdk.Stack, props: dict[str, Any], **training_props: Any) -> dict[str, Any]:
    """``props`` with its training definition changed by ``training_props``."""
    return {**props, "training": dataclasses.replace(props["training"], **training_props)}


def _repeated_security_group(stack: cdk.Stack) -> dict[str, Any]:
    vpc = _vpc(stack)
    group = ec2.SecurityGroup(stack, "Sg", vpc=vpc)
    return {"training": training(vpc=vpc, security_groups=[group, group])}


def _imports_platform(stack: cdk.Stack, overrides: dict[str, Any]) -> dict[str, Any]:
    """Import a platform into ``stack`` (as a team app does); return ``overrides``."""
    HpoPlatform.from_parameters(stack, "Platform")
    return overrides


def _team(stack: cdk.Stack) -> Any:
    """The team ``vision`` of a platform in ``stack`` (created on first use)."""
    platform = stack.node.try_find_child("HpoPlatform") or HpoPlatform(stack, "HpoPlatform")
    return platform.teams.get("vision") or platform.add_team("vision")


def _team_job(stack: cdk.Stack, **overrides: Any) -> dict[str, Any]:
    """The props of a job of the team ``vision``: its provider, role and prefixes."""
    team = _team(stack)
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


def _claimed_name(stack: cdk.Stack, first: str, second: str) -> str:
    """Claim ``first`` as the fixed name of another job of the app; return ``second`` for the job under test."""
    job(stack, "First", tuning_job_name=first)
    return second


def _jumpstart(name: str, objective: str, **image: Any) -> dict[str, Any]:
    """A LightGBM (or other JumpStart algorithm) job on a framework image, its objective ``objective``."""
    uri = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:1.9.0-cpu-py38"
    return {
        "objective": Objective.minimize(objective),
        "training": training(image=TrainingImage.jumpstart_algorithm(name, uri, **image)),
    }


# -- issue 18: built-in algorithms beyond XGBoost -----------------------------------------------------------------
FAILING += [
    ("HPO-IMAGE-003", lambda s: _jumpstart("lightgbn", "rmse"), r"'lightgbn'; is not a JumpStart algorithm"),
    (
        "HPO-IMAGE-003:untunable",
        lambda s: _jumpstart("autogluon-tabular", "rmse"),
        r"cannot be tuned: AutoGluon-Tabular documents no tuning metrics",
    ),
    (
        "HPO-METRIC-013",
        lambda s: _jumpstart("lightgbm", "rmsle", metric_definitions=[MetricDefinition("rmsle", r"rmsle: (\S+)")]),
        r"objective.metric_name: 'rmsle'; is not a metric lightgbm documents for tuning .*did you mean 'rmse'\?",
    ),
]
PASSING += [
    ("HPO-IMAGE-003", lambda s: _jumpstart("lightgbm", "rmse")),
    ("HPO-METRIC-013", lambda s: _jumpstart("catboost", "RMSE")),
]

# The cases of issue 18's rules live in their own module.
FAILING += request_cases.FAILING
PASSING += request_cases.PASSING
WARNS += request_cases.WARNS


def _rule_of(case_id: str) -> str:
    return case_id.split(":")[0]


@pytest.mark.parametrize(("overrides", "message"), [(o, m) for _, o, m in FAILING], ids=[i for i, _, _ in FAILING])
def test_rule_rejects(request: pytest.FixtureRequest, overrides: Overrides, message: str) -> None:
    case_id = request.node.callspec.id
    stack = new_stack("Rules", **STACK_PROPS.get(case_id, {}))
    with pytest.raises(ValidationError, match=message) as raised:
        job(stack, "Tuning", **overrides(stack))
    assert str(raised.value).startswith("Rules/Tuning: "), str(raised.value)
    assert raised.value.rule_id == _rule_of(case_id), str(raised.value)
    assert str(raised.value).endswith(f"[{_rule_of(case_id)}]")


def _warnings(stack: cdk.Stack, rule_id: str | None = None, pattern: str = ".*") -> list[Any]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(pattern))
    return [w for w in found if rule_id is None or f"[ack: {rule_id}]" in w.entry.data]


@pytest.mark.parametrize("overrides", [o for _, o in PASSING], ids=[i for i, _ in PASSING])
def test_rule_accepts(request: pytest.FixtureRequest, overrides: Overrides) -> None:
    stack = new_stack("Rules", **STACK_PROPS.get(request.node.callspec.id, {}))
    job(stack, "Tuning", **overrides(stack))
    assert not _warnings(stack, _rule_of(request.node.callspec.id))


@pytest.mark.parametrize(("overrides", "warning"), [(o, w) for _, o, w in WARNS], ids=[i for i, _, _ in WARNS])
def test_rule_warns(request: pytest.FixtureRequest, overrides: Overrides, warning: str) -> None:
    rule_id = _rule_of(request.node.callspec.id)
    stack = new_stack("Warn")
    job(stack, "Tuning", **overrides(stack))
    assert _warnings(stack, rule_id, warning), f"expected a {rule_id} warning containing {warning!r}"


def test_a_warning_is_acknowledged_by_its_rule_id_only() -> None:
    stack = new_stack("Ack")
    tuning = job(stack, "Tuning", max_jobs=40, max_parallel_jobs=11, training=training(use_spot_instances=True))
    cdk.Annotations.of(tuning).acknowledge_warning("HPO-JOB-005", "quota raised to 20 in this account")
    assert not _warnings(stack, "HPO-JOB-005")
    assert _warnings(stack, "HPO-TRAIN-008")


def test_unresolved_tokens_are_skipped() -> None:
    stack = new_stack("Tokens")
    max_jobs = cdk.CfnParameter(stack, "MaxJobs", type="Number").value_as_number
    name = cdk.CfnParameter(stack, "Name").value_as_string
    bucket = cdk.CfnParameter(stack, "Bucket").value_as_string
    content_type = cdk.CfnParameter(stack, "ContentType").value_as_string
    instance_type = cdk.CfnParameter(stack, "InstanceType").value_as_string
    volume = cdk.CfnParameter(stack, "Volume", type="Number").value_as_number
    tuning = job(
        stack,
        max_jobs=max_jobs,
        tuning_job_name=name,
        tags={"team": name},
        training=training(
            output_path=f"s3://{bucket}/out/",
            inputs={"train": S3Input.from_uri(f"s3://{bucket}/train/", content_type=content_type)},
            instance_type=instance_type,
            volume_size=cdk.Size.gibibytes(volume),
        ),
    )
    resources = tuning.request["TrainingJobDefinition"]["ResourceConfig"]
    assert stack.resolve(resources["VolumeSizeInGB"]) == {"Ref": "Volume"}


def test_value_factories_check_their_arguments() -> None:
    from sagemaker_hpo import S3Location

    with pytest.raises(ValidationError, match=r"S3Location.from_uri: uri: expected an s3:// URI string, got int 5"):
        S3Location.from_uri(5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"S3Location.from_bucket: bucket: expected an s3.IBucket"):
        S3Location.from_bucket("my-bucket")  # type: ignore[arg-type]
    with pytest.raises(
        ValidationError, match=r"TrainingImage.builtin_algorithm: version: expected a string.*got float"
    ):
        TrainingImage.builtin_algorithm("xgboost", 1.7)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"TrainingImage.from_ecr_repository: repository: expected an ecr.IRepo"):
        TrainingImage.from_ecr_repository("my-training")  # type: ignore[arg-type]


def test_gpu_training_image_checks_its_prop_types() -> None:
    from sagemaker_hpo import GpuTrainingImage

    stack = new_stack("Gpu")
    with pytest.raises(
        ValidationError, match=r"^Gpu/Image: metric_definitions\[0\]: expected a MetricDefinition.*\[HPO-TYPE-002\]"
    ):
        GpuTrainingImage(stack, "Image", metric_definitions=[("validation:accuracy", "acc=(.*)")])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match=r"^Gpu/Other: build_args: expected a dict of str to str, got dict"):
        GpuTrainingImage(stack, "Other", build_args={"N": 1})  # type: ignore[dict-item]


def test_json_hyperparameters_are_sent_as_json_text() -> None:
    stack = new_stack("Json")
    tuning = job(stack, **_custom(stack, static_hyperparameters={"net": Json({"units": [64, 32]}), "on": True}))
    static = tuning.request["TrainingJobDefinition"]["StaticHyperParameters"]
    assert static["net"] == '{"units":[64,32]}'
    assert static["on"] == "true"


def test_no_warnings_for_the_published_example() -> None:
    stack = new_stack("Quiet")
    job(stack, "Tuning")
    assert not _warnings(stack)


def test_no_warnings_for_a_correct_custom_image_hyperband_job() -> None:
    stack = new_stack("QuietCustom")
    job(stack, "Tuning", **_custom(stack))
    job(stack, "Gpu", **_gpu_job())
    assert not _warnings(stack)


def test_a_built_in_algorithm_outside_its_regions_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"^Elsewhere/Tuning: invalid training.image: 'xx-nowhere-1'; the built"):
        job(new_stack("Elsewhere", env=cdk.Environment(region="xx-nowhere-1")), "Tuning")
    job(new_stack("Home", env=cdk.Environment(region="eu-west-1")), "Tuning")  # published there: no error
