"""The rules of ``sagemaker_hpo.rules.hyperparameters`` (HPO-HP): their cases, keyed by rule id, each run as a tuning
job at synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from sagemaker_hpo import CategoricalRange, Json
from tests.construct_support import XGB_RANGES, training
from tests.rules.builders import custom_image_job, many_static
from tests.rules.cases import Overrides, accepts, rejects

FAILING: list[tuple[str, Overrides, str]] = [
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
        lambda s: {"training": training(static_hyperparameters=many_static(96))},
        r"training.static_hyperparameters: '96 static'.*at most 100 \(is 101\)",
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
]
PASSING: list[tuple[str, Overrides]] = [
    (
        "HPO-HP-001",
        lambda s: custom_image_job(
            s, static_hyperparameters={"a": "x", "b": 1, "c": 0.5, "d": True, "e": Json({"units": [64, 32]})}
        ),
    ),
    ("HPO-HP-002", lambda s: custom_image_job(s, static_hyperparameters={"n" * 256: 1})),
    ("HPO-HP-003", lambda s: custom_image_job(s, static_hyperparameters={"x": "v" * 2500})),
    ("HPO-HP-004", lambda s: custom_image_job(s, static_hyperparameters=many_static(95))),
    ("HPO-HP-005", lambda s: custom_image_job(s, static_hyperparameters={"tuning_objective_metric": "x"})),
    ("HPO-HP-006", lambda s: custom_image_job(s, static_hyperparameters={"sagemaker_program": "train.py"})),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
