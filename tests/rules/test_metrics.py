"""The rules of ``sagemaker_hpo.rules.metrics`` (HPO-METRIC): their cases, keyed by rule id, each run as a tuning job at
synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from sagemaker_hpo import MetricDefinition, Objective, TrainingImage
from tests import request_cases
from tests.rules.builders import custom_image_job, gpu_job, jumpstart_job, many_metrics
from tests.rules.cases import Overrides, accepts, cases_of, rejects, warns

FAILING: list[tuple[str, Overrides, str]] = [
    # metrics
    ("HPO-METRIC-001", lambda s: {"objective": Objective.maximize("m" * 256)}, r"objective.metric_name.*1 to 255"),
    (
        "HPO-METRIC-002",
        lambda s: custom_image_job(s, metric_definitions=[]),
        r"objective.metric_name: 'validation:accuracy'.*custom image needs a metric definition",
    ),
    (
        "HPO-METRIC-005",
        lambda s: custom_image_job(s, metric_definitions=many_metrics(41)),
        r"training.metric_definitions: '41 entries'.*0 to 40",
    ),
    (
        "HPO-METRIC-006",
        lambda s: custom_image_job(
            s, metric_definitions=[*many_metrics(1), MetricDefinition("m" * 256, r"m=([0-9.]+)")]
        ),
        r"metric_definitions\[1\].name.*1 to 255",
    ),
    (
        "HPO-METRIC-007",
        lambda s: custom_image_job(
            s, metric_definitions=[*many_metrics(1), MetricDefinition("m", "m=([0-9.]+)" + "x" * 490)]
        ),
        r"metric_definitions\[1\].regex.*1 to 500",
    ),
    (
        "HPO-METRIC-008",
        lambda s: custom_image_job(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=([0-9.]+")]),
        r"metric_definitions\[0\].regex.*valid regular expression",
    ),
    (
        "HPO-METRIC-009",
        lambda s: custom_image_job(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=[0-9.]+")]),
        r"metric_definitions\[0\].regex: 'acc=\[0-9.\]\+'.*exactly one capture group \(has 0\)",
    ),
    (
        "HPO-METRIC-010",
        lambda s: custom_image_job(s, metric_definitions=[MetricDefinition("validation:accuracy", r"(a+)+$")]),
        r"metric_definitions\[0\].regex: '\(a\+\)\+\$'; has a repeated group containing another repeat",
    ),
    (
        "HPO-METRIC-010:star",
        lambda s: custom_image_job(
            s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=((?:\d*\.?)*)")]
        ),
        r"nested quantifiers",
    ),
    (
        "HPO-METRIC-011",
        lambda s: gpu_job(metric_definitions=[MetricDefinition("validation:accuracy", r"val_acc=([0-9.]+)")]),
        r"metric_definitions\[2\].regex: 'val_acc=\(\[0-9.\]\+\)'; reads no number for 'validation:accuracy' from "
        r"the image's sample log lines",
    ),
    (
        "HPO-METRIC-012",
        lambda s: custom_image_job(
            s,
            metric_definitions=[
                MetricDefinition("validation:accuracy", r"a=([0-9.]+)"),
                MetricDefinition("validation:accuracy", r"b=([0-9.]+)"),
            ],
        ),  # fmt: skip
        r"training.metric_definitions\[1\].name: 'validation:accuracy'; is defined twice",
    ),
    (
        "HPO-METRIC-013",
        lambda s: jumpstart_job("lightgbm", "rmsle", metric_definitions=[MetricDefinition("rmsle", r"rmsle: (\S+)")]),
        r"objective.metric_name: 'rmsle'; is not a metric lightgbm documents for tuning .*did you mean 'rmse'\?",
    ),
] + cases_of(request_cases.FAILING, __name__)
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-METRIC-001", lambda s: {"objective": Objective.maximize("validation:rmse")}),
    ("HPO-METRIC-002", lambda s: custom_image_job(s)),
    ("HPO-METRIC-003", lambda s: {"objective": Objective.minimize("validation:logloss")}),
    ("HPO-METRIC-004", lambda s: custom_image_job(s)),
    ("HPO-METRIC-005", lambda s: custom_image_job(s, metric_definitions=many_metrics(40))),
    (
        "HPO-METRIC-006",
        lambda s: custom_image_job(s, metric_definitions=[*many_metrics(1), MetricDefinition("m" * 255, r"m=(\d+)")]),
    ),
    (
        "HPO-METRIC-007",
        lambda s: custom_image_job(
            s, metric_definitions=[*many_metrics(1), MetricDefinition("m", "m=(1)" + "x" * 495)]
        ),
    ),
    (
        "HPO-METRIC-008",
        lambda s: custom_image_job(s, metric_definitions=[MetricDefinition("validation:accuracy", r"acc=([0-9.]+)")]),
    ),
    (
        "HPO-METRIC-009",
        lambda s: custom_image_job(
            s, metric_definitions=[MetricDefinition("validation:accuracy", r"a(?:c)c=([0-9.]+)")]
        ),
    ),
    ("HPO-METRIC-010", lambda s: gpu_job()),
    ("HPO-METRIC-011", lambda s: gpu_job()),
    (
        "HPO-METRIC-012",
        lambda s: custom_image_job(
            s,
            image=TrainingImage.from_image_uri(
                "1.dkr.ecr.us-east-1.amazonaws.com/x:1",
                metric_definitions=[MetricDefinition("validation:accuracy", r"old=([0-9.]+)")],
            ),
        ),
    ),  # fmt: skip
    ("HPO-METRIC-013", lambda s: jumpstart_job("catboost", "RMSE")),
]
WARNS: list[tuple[str, Overrides, str]] = [
    (
        "HPO-METRIC-003",
        lambda s: {"objective": Objective.maximize("validation:made-up")},
        "not a metric this built-in algorithm",
    ),
    (
        "HPO-METRIC-004",
        lambda s: custom_image_job(
            s, metric_definitions=[MetricDefinition("validation:accuracy", r"final accuracy=([0-9.]+)")]
        ),
        "Hyperband reads 'validation:accuracy' after every epoch, but its regex .* looks for a 'final' line",
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
test_rule_warns = warns(WARNS)
