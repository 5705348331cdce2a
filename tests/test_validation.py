"""Every rule of ../shared/reference/sagemaker-hpo-rules.md: a failing and a passing case, checked at synth time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match

from sagemaker_hpo import (
    Bayesian,
    CategoricalRange,
    CompletionCriteria,
    ContinuousRange,
    GridSearch,
    Hyperband,
    ImportedTuningJobProvider,
    IntegerRange,
    MetricDefinition,
    Objective,
    RandomSearch,
    ScalingType,
    ValidationError,
    WarmStart,
)
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


# (rule id, overrides, expected error: field and what is allowed)
FAILING: list[tuple[str, Overrides, str]] = [
    # 1. job name
    ("1-name-pattern", lambda s: {"tuning_job_name": "bad_name!"}, r"tuning_job_name: 'bad_name!'.*letters, digits"),
    ("1-name-length", lambda s: {"tuning_job_name": "a" * 33}, r"tuning_job_name.*1 to 32"),
    ("1-name-leading-hyphen", lambda s: {"tuning_job_name": "-job"}, r"tuning_job_name"),
    # 3. Hyperband
    (
        "3-min-resource",
        lambda s: {"strategy": Hyperband(min_resource=0, max_resource=10)},
        r"strategy.min_resource: 0.*>= 1",
    ),
    (
        "3-max-resource-limit",
        lambda s: {"strategy": Hyperband(max_resource=20001)},
        r"strategy.max_resource: 20001.*<= 20000",
    ),
    (
        "3-min-over-max",
        lambda s: {"strategy": Hyperband(min_resource=50, max_resource=10)},
        r"min_resource: 50.*<= max_resource \(10\)",
    ),
    ("3-max-not-inferable", lambda s: {"strategy": Hyperband()}, r"strategy.max_resource: None.*epochs, numepochs"),
    ("3-hyperband-max-jobs", lambda s: {"max_jobs": 751, "max_parallel_jobs": 5}, r"max_jobs: 751.*<= 750"),
    (
        "3-min-over-inferred-max",
        lambda s: {"strategy": Hyperband(min_resource=20), "training": training(static_hyperparameters={"epochs": 10})},
        r"strategy.min_resource: 20.*infers from the static hyperparameter epochs \(10\)",
    ),
    # 4. ranges and hyperparameters
    (
        "4-too-many-tunable",
        lambda s: {"parameter_ranges": [ContinuousRange(f"p{i}", 0, 1) for i in range(31)]},
        r"parameter_ranges: '31 entries'.*1 to 30",
    ),
    ("4-no-ranges", lambda s: {"parameter_ranges": []}, r"parameter_ranges: '0 entries'"),
    (
        "4-categorical-too-many",
        lambda s: {"parameter_ranges": [CategoricalRange("c", list(range(31)))]},
        r"parameter_ranges\[0\] \(c\).values: '31 entries'.*1 to 30",
    ),
    ("4-categorical-empty", lambda s: {"parameter_ranges": [CategoricalRange("c", [])]}, r"\(c\).values: '0 entries'"),
    (
        "4-duplicate-name",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, 1), IntegerRange("eta", 1, 3)]},
        r"parameter_ranges\[1\] \(eta\).name: 'eta'.*one range only",
    ),
    (
        "4-tuned-and-static",
        lambda s: {"parameter_ranges": [IntegerRange("num_round", 1, 3)]},
        r"\(num_round\).name: 'num_round'.*also a static hyperparameter",
    ),
    (
        "4-too-many-hyperparameters",
        lambda s: {"training": training(static_hyperparameters=_static(96))},
        r"training.static_hyperparameters: '96 static'.*at most 100 \(is 101\)",
    ),
    (
        "4-static-value-length",
        lambda s: {"training": training(static_hyperparameters={"x": "v" * 2501})},
        r"static_hyperparameters\['x'\].*0 to 2500",
    ),
    ("4-name-length", lambda s: {"parameter_ranges": [ContinuousRange("n" * 257, 0, 1)]}, r"\.name.*1 to 256"),
    # 5. numeric ranges
    (
        "5-min-not-below-max",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 1, 1)]},
        r"\(eta\).min_value: 1.*less than max_value \(1\)",
    ),
    (
        "5-log-needs-positive",
        lambda s: {"parameter_ranges": [ContinuousRange("eta", 0, 1, ScalingType.LOGARITHMIC)]},
        r"\(eta\).min_value: 0.*Logarithmic scaling needs min_value > 0",
    ),
    (
        "5-revlog-continuous-only",
        lambda s: {"parameter_ranges": [IntegerRange("depth", 0, 5, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(depth\).scaling: 'ReverseLogarithmic'.*continuous ranges only",
    ),
    (
        "5-revlog-max-below-one",
        lambda s: {"parameter_ranges": [ContinuousRange("m", 0.5, 1, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(m\).max_value: 1.*max_value < 1",
    ),
    (
        "5-revlog-min-not-negative",
        lambda s: {"parameter_ranges": [ContinuousRange("m", -0.5, 0.5, ScalingType.REVERSE_LOGARITHMIC)]},
        r"\(m\).min_value: -0.5.*min_value >= 0",
    ),
    (
        "5-integer-bounds",
        lambda s: {"parameter_ranges": [IntegerRange("depth", 1.5, 4)]},  # type: ignore[arg-type]
        r"\(depth\).min_value: 1.5.*integer",
    ),
    # 6. grid and discrete spaces
    (
        "6-grid-categorical-only",
        lambda s: {"strategy": GridSearch(), "max_jobs": None, "max_parallel_jobs": 1},
        r"parameter_ranges\[0\] \(eta\): 'ContinuousRange'.*categorical ranges only",
    ),
    (
        "6-grid-max-jobs-combinations",
        lambda s: {
            "strategy": GridSearch(),
            "max_jobs": 5,
            "max_parallel_jobs": 1,
            "parameter_ranges": [CategoricalRange("a", [1, 2]), CategoricalRange("b", ["x", "y", "z"])],
        },
        r"max_jobs: 5.*number of combinations \(6\)",
    ),
    (
        "6-discrete-space-too-small",
        lambda s: {
            "strategy": Bayesian(),
            "max_jobs": 20,
            "parameter_ranges": [IntegerRange("max_depth", 1, 3), CategoricalRange("booster", ["gbtree", "dart"])],
        },
        r"max_jobs: 20.*6 combinations",
    ),
    # 7. limits
    ("7-parallel-at-least-one", lambda s: {"max_parallel_jobs": 0}, r"max_parallel_jobs: 0.*>= 1"),
    (
        "7-parallel-over-max-jobs",
        lambda s: {"max_jobs": 4, "max_parallel_jobs": 5},
        r"max_parallel_jobs: 5.*at most max_jobs \(4\)",
    ),
    (
        "7-max-jobs-required",
        lambda s: {"strategy": RandomSearch(), "max_jobs": None},
        r"max_jobs: None.*required with the Random",
    ),
    (
        "7-runtime-too-short",
        lambda s: {"max_runtime": cdk.Duration.seconds(60)},
        r"max_runtime \(seconds\): 60.*>= 120",
    ),
    (
        "7-runtime-too-long",
        lambda s: {"max_runtime": cdk.Duration.days(31)},
        r"max_runtime \(seconds\): 2678400.*<= 2592000",
    ),
    # 8. completion criteria
    (
        "8-not-improving-min",
        lambda s: {"completion_criteria": CompletionCriteria(max_jobs_not_improving=2)},
        r"completion_criteria.max_jobs_not_improving: 2.*>= 3",
    ),
    (
        "8-target-number",
        lambda s: {"completion_criteria": CompletionCriteria(target_objective_value=float("nan"))},
        r"completion_criteria.target_objective_value.*finite number",
    ),
    # 9. custom image metrics
    (
        "9-objective-needs-definition",
        lambda s: _custom(s, metric_definitions=[]),
        r"objective.metric_name: 'validation:accuracy'.*custom image needs a metric definition",
    ),
    (
        "9-regex-one-group",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=[0-9.]+")]),
        r"metric_definitions\[0\].regex: 'acc=\[0-9.\]\+'.*exactly one capture group \(has 0\)",
    ),
    (
        "9-regex-compiles",
        lambda s: _custom(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=([0-9.]+")]),
        r"metric_definitions\[0\].regex.*valid regular expression",
    ),
    (
        "9-at-most-40",
        lambda s: _custom(s, metric_definitions=_metrics(41)),
        r"training.metric_definitions: '41 entries'.*0 to 40",
    ),
    # 10. role, S3 URIs, channels
    (
        "10-role-arn",
        lambda s: {
            "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::12345:role/x", mutable=False))
        },
        r"training.role: 'arn:aws:iam::12345:role/x'.*IAM role ARN",
    ),
    (
        "10-s3-uri",
        lambda s: {"training": training(output_path="https:/nowhere")},
        r"training.output_path: 'https:/nowhere'",
    ),
    (
        "10-s3-uri-input",
        lambda s: {"training": training(inputs={"train": "/local/path"})},
        r"training.inputs\['train'\]: '/local/path'",
    ),
    (
        "10-channel-name",
        lambda s: {"training": training(inputs={"train data": "s3://b/t/"})},
        r"channel name: 'train data'.*\[A-Za-z0-9",
    ),
    (
        "10-channel-count",
        lambda s: {"training": training(inputs={f"c{i}": "s3://b/p/" for i in range(21)})},
        r"training.inputs: '21 entries'.*0 to 20",
    ),
    # 12. managed spot, training runtime
    (
        "12-spot-max-wait",
        lambda s: {
            "training": training(
                use_spot_instances=True, max_runtime=cdk.Duration.hours(2), max_wait=cdk.Duration.hours(1)
            )
        },
        r"training.max_wait: '1 hour'.*at least max_runtime \(2 hours\)",
    ),
    (
        "12-max-wait-needs-spot",
        lambda s: {"training": training(max_wait=cdk.Duration.hours(1))},
        r"training.max_wait.*only allowed with use_spot_instances",
    ),
    (
        "12-training-runtime",
        lambda s: {"training": training(max_runtime=cdk.Duration.days(29))},
        r"training.max_runtime \(seconds\): 2505600.*<= 2419200",
    ),
    # 13. VPC, environment, tags
    ("13-security-groups", lambda s: _vpc_training(s, 6), r"training.security_groups: '6 entries'.*1 to 5"),
    (
        "13-environment-count",
        lambda s: {"training": training(environment={f"K{i}": "v" for i in range(49)})},
        r"training.environment: '49 entries'.*0 to 48",
    ),
    (
        "13-environment-key",
        lambda s: {"training": training(environment={"1BAD": "v"})},
        r"training.environment key: '1BAD'",
    ),
    ("13-tags-count", lambda s: {"tags": {f"k{i}": "v" for i in range(46)}}, r"tags: '46 entries'.*0 to 45"),
    ("13-tag-key-length", lambda s: {"tags": {"k" * 129: "v"}}, r"tags key.*1 to 128"),
    ("13-tag-value-length", lambda s: {"tags": {"k": "v" * 257}}, r"tags\['k'\].*0 to 256"),
    # 13. warm start
    (
        "13-warm-start-parents",
        lambda s: {"warm_start": WarmStart(parents=[f"parent-{i}" for i in range(6)])},
        r"warm_start.parents: '6 entries'.*1 to 5",
    ),
    ("13-warm-start-no-parents", lambda s: {"warm_start": WarmStart(parents=[])}, r"warm_start.parents: '0 entries'"),
    (
        "13-warm-start-parent-name",
        lambda s: {"warm_start": WarmStart(parents=["not_a_job"])},
        r"warm_start.parents\[0\]: 'not_a_job'.*tuning job name",
    ),
    (
        "13-warm-start-same-objective",
        lambda s: {"warm_start": WarmStart(parents=[_parent(s, objective=Objective.minimize("validation:rmse"))])},
        r"warm_start.parents\[0\]: 'Rules/Parent'.*same objective \(Maximize validation:auc\).*Minimize validation:rmse",
    ),
    (
        "13-warm-start-parent-finished",
        lambda s: {"warm_start": WarmStart(parents=[job(s, "Parent")])},
        r"warm_start.parents\[0\]: 'Rules/Parent'.*must have finished.*wait_for_completion=True",
    ),
    (
        "13-warm-start-hyperparameter-count",
        lambda s: {"warm_start": WarmStart(parents=[_parent(s, parameter_ranges=[ContinuousRange("eta", 0, 1)])])},
        r"'Rules/Parent'.*as many static and tuned hyperparameters in total as this job \(6\); it has 3",
    ),
    (
        "13-warm-start-hyperparameter-type",
        lambda s: {
            "warm_start": WarmStart(
                parents=[_parent(s, parameter_ranges=[*XGB_RANGES[:3], ContinuousRange("max_depth", 1, 10)])]
            )
        },
        r"'max_depth' must keep its type: it is a ContinuousRange in the parent and a IntegerRange here",
    ),
    (
        "imported-provider-new-role",
        lambda s: {
            "provider": ImportedTuningJobProvider(
                service_token="arn:aws:lambda:us-east-1:1:function:p", name_prefix="p"
            )
        },
        r"training.role: 'Rules/Tuning/TrainingRole'; a role created in this app cannot be used with an imported provider",
    ),
    # training scalars
    ("instance-count", lambda s: {"training": training(instance_count=0)}, r"training.instance_count: 0.*>= 1"),
    (
        "instance-type",
        lambda s: {"training": training(instance_type="m5.xlarge")},
        r"training.instance_type: 'm5.xlarge'.*ml\.",
    ),
    # waiting within the provider's one-hour ceiling
    (
        "wait-needs-runtime",
        lambda s: {"wait_for_completion": True},
        r"max_runtime: None.*wait_for_completion needs max_runtime",
    ),
    (
        "wait-ceiling",
        lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.hours(2)},
        r"max_runtime: '2 hours'.*at most 45 minutes",
    ),
]

PASSING: list[tuple[str, Overrides]] = [
    ("1-name", lambda s: {"tuning_job_name": "My-Job-1" + "a" * 24}),
    ("3-hyperband-bounds", lambda s: {"strategy": Hyperband(min_resource=1, max_resource=20000), "max_jobs": 750}),
    (
        "3-max-inferred",
        lambda s: {"strategy": Hyperband(), "training": training(static_hyperparameters={"num_epochs": 20})},
    ),
    ("4-thirty-tunable", lambda s: {"parameter_ranges": [ContinuousRange(f"p{i}", 0, 1) for i in range(30)]}),
    ("4-categorical-thirty", lambda s: {"parameter_ranges": [CategoricalRange("c", list(range(30)))]}),
    ("4-hundred-hyperparameters", lambda s: {"training": training(static_hyperparameters=_static(95))}),
    ("4-static-value-length", lambda s: {"training": training(static_hyperparameters={"x": "v" * 2500})}),
    (
        "5-log-and-revlog",
        lambda s: {
            "parameter_ranges": [
                ContinuousRange("lr", 1e-6, 0.1, ScalingType.LOGARITHMIC),
                ContinuousRange("m", 0, 0.99, ScalingType.REVERSE_LOGARITHMIC),
                IntegerRange("b", 4, 512, ScalingType.LOGARITHMIC),
            ]
        },
    ),
    (
        "6-grid",
        lambda s: {
            "strategy": GridSearch(),
            "max_jobs": 6,
            "max_parallel_jobs": 2,
            "parameter_ranges": [CategoricalRange("a", [1, 2]), CategoricalRange("b", ["x", "y", "z"])],
        },
    ),
    (
        "6-discrete-space-large-enough",
        lambda s: {
            "strategy": Bayesian(),
            "max_jobs": 6,
            "parameter_ranges": [IntegerRange("max_depth", 1, 3), CategoricalRange("booster", ["gbtree", "dart"])],
        },
    ),
    ("7-limits", lambda s: {"max_jobs": 5, "max_parallel_jobs": 5, "max_runtime": cdk.Duration.days(30)}),
    ("7-runtime-minimum", lambda s: {"max_runtime": cdk.Duration.seconds(120)}),
    (
        "8-completion",
        lambda s: {"completion_criteria": CompletionCriteria(max_jobs_not_improving=3, target_objective_value=0.9)},
    ),
    ("9-custom-image", lambda s: _custom(s, metric_definitions=_metrics(40))),
    (
        "10-role-arn",
        lambda s: {
            "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::123456789012:role/x", mutable=False))
        },
    ),
    ("10-no-channels", lambda s: {"training": training(inputs={})}),
    ("10-twenty-channels", lambda s: {"training": training(inputs={f"c.{i}-_": "s3://b/p/" for i in range(20)})}),
    (
        "12-spot",
        lambda s: {
            "training": training(
                use_spot_instances=True, max_wait=cdk.Duration.hours(48), checkpoint_path="s3://b/checkpoints/"
            )
        },
    ),
    ("12-training-runtime", lambda s: {"training": training(max_runtime=cdk.Duration.days(28))}),
    ("13-vpc", lambda s: _vpc_training(s, 5)),
    ("13-environment", lambda s: {"training": training(environment={f"K_{i}": "v" for i in range(48)})}),
    ("13-tags", lambda s: {"tags": {f"k{i}": "v" * 256 for i in range(45)}}),
    (
        "13-warm-start",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(parents=[_parent(s)] + [f"p-{i}" for i in range(4)]),
        },
    ),
    ("wait", lambda s: {"wait_for_completion": True, "max_runtime": cdk.Duration.minutes(45)}),
]


@pytest.mark.parametrize(("overrides", "message"), [(o, m) for _, o, m in FAILING], ids=[i for i, _, _ in FAILING])
def test_rule_rejects(overrides: Overrides, message: str) -> None:
    stack = new_stack("Rules")
    with pytest.raises(ValidationError, match=message) as raised:
        job(stack, "Tuning", **overrides(stack))
    assert str(raised.value).startswith("Rules/Tuning: invalid "), str(raised.value)


@pytest.mark.parametrize("overrides", [o for _, o in PASSING], ids=[i for i, _ in PASSING])
def test_rule_accepts(overrides: Overrides) -> None:
    stack = new_stack("Rules")
    job(stack, "Tuning", **overrides(stack))


def test_unresolved_tokens_are_skipped() -> None:
    stack = new_stack("Tokens")
    max_jobs = cdk.CfnParameter(stack, "MaxJobs", type="Number").value_as_number
    name = cdk.CfnParameter(stack, "Name").value_as_string
    bucket = cdk.CfnParameter(stack, "Bucket").value_as_string
    job(
        stack,
        max_jobs=max_jobs,
        tuning_job_name=name,
        training=training(output_path=f"s3://{bucket}/out/", inputs={"train": f"s3://{bucket}/train/"}),
    )


def _warnings(stack: cdk.Stack, pattern: str) -> list[Any]:
    return Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(pattern))


@pytest.mark.parametrize(
    ("overrides", "warning"),
    [
        (lambda s: {"max_jobs": 40, "max_parallel_jobs": 11}, "exceeds the default quota of 10"),
        (lambda s: {"training": training(use_spot_instances=True)}, "use_spot_instances without checkpoint_path"),
        (lambda s: _custom(s), "Hyperband reads 'validation:accuracy' after every epoch"),
        (lambda s: {"objective": Objective.maximize("validation:made-up")}, "not a metric this built-in algorithm"),
        (lambda s: {"warm_start": WarmStart(parents=["earlier-job"])}, "warm_start with Hyperband"),
        (lambda s: {"warm_start": WarmStart(parents=["earlier-job"])}, "parents earlier-job must have finished"),
        (
            lambda s: {
                "tuning_job_name": "fixed-name",
                "training": training(role=iam.Role.from_role_arn(s, "R", "arn:aws:iam::123456789012:role/p")),
                "provider": ImportedTuningJobProvider(
                    service_token="arn:aws:lambda:us-east-1:1:function:p", name_prefix="p"
                ),
            },
            "may only manage jobs named with its own prefix",
        ),
    ],
    ids=[
        "7-parallel-quota",
        "12-spot-without-checkpoints",
        "3-per-epoch-metric",
        "9-builtin-metric",
        "3-hyperband-warm-start",
        "13-warm-start-parents-finished",
        "imported-provider-fixed-name",
    ],
)
def test_rule_warns(overrides: Overrides, warning: str) -> None:
    stack = new_stack("Warn")
    job(stack, "Tuning", **overrides(stack))
    assert _warnings(stack, warning), f"expected a warning containing {warning!r}"


def test_no_warnings_for_the_published_example() -> None:
    stack = new_stack("Quiet")
    job(stack, "Tuning")
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("sagemaker-hpo"))
