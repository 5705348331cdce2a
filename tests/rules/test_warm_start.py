"""The rules of ``sagemaker_hpo.rules.warm_start`` (HPO-WARM): their cases, keyed by rule id, each run as a tuning job
at synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from sagemaker_hpo import Bayesian, ContinuousRange, Objective, TrainingImage, WarmStart, WarmStartType
from tests.construct_support import XGB_RANGES, job, training
from tests.rules.builders import csv_input, parent_job
from tests.rules.cases import Overrides, accepts, rejects, warns

FAILING: list[tuple[str, Overrides, str]] = [
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
        lambda s: {"warm_start": WarmStart(parents=[parent_job(s, objective=Objective.minimize("validation:rmse"))])},
        r"warm_start.parents\[0\]: 'Rules/Parent'.*same objective \(Maximize validation:auc\).*Minimize validation:rmse",
    ),
    (
        "HPO-WARM-004",
        lambda s: {"warm_start": WarmStart(parents=[job(s, "Parent")])},
        r"warm_start.parents\[0\]: 'Rules/Parent'.*must have finished.*wait_for_completion=True",
    ),
    (
        "HPO-WARM-005",
        lambda s: {"warm_start": WarmStart(parents=[parent_job(s, parameter_ranges=[ContinuousRange("eta", 0, 1)])])},
        r"'Rules/Parent'.*as many static and tuned hyperparameters in total as this job \(6\); it has 3",
    ),
    (
        "HPO-WARM-006",
        lambda s: {
            "warm_start": WarmStart(
                parents=[parent_job(s, parameter_ranges=[*XGB_RANGES[:3], ContinuousRange("max_depth", 1, 10)])]
            )
        },
        r"'max_depth' must keep its type: it is a ContinuousRange in the parent and a IntegerRange here",
    ),
    (
        "HPO-WARM-008",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(
                parents=[parent_job(s, training=training(image=TrainingImage.builtin_algorithm("xgboost", "3.0-5")))]
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
                    parent_job(
                        s,
                        training=training(
                            inputs={
                                "train": csv_input("s3://other-data/train/"),
                                "validation": csv_input("s3://my-data/validation/"),
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
        lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[*[parent_job(s)] * 2])},
        r"warm_start.parents\[1\]: 'Rules/Parent'; is listed twice",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    (
        "HPO-WARM-001",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(parents=[parent_job(s)] + [f"p-{i}" for i in range(4)]),
        },
    ),
    ("HPO-WARM-002", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=["earlier-job-1"])}),
    ("HPO-WARM-003", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    ("HPO-WARM-004", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    ("HPO-WARM-005", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    ("HPO-WARM-006", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    ("HPO-WARM-007", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    ("HPO-WARM-008", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    (
        "HPO-WARM-008:transfer",
        lambda s: {
            "strategy": Bayesian(),
            "warm_start": WarmStart(
                type=WarmStartType.TRANSFER_LEARNING,
                parents=[parent_job(s, training=training(image=TrainingImage.builtin_algorithm("xgboost", "3.0-5")))],
            ),
        },  # fmt: skip
    ),
    ("HPO-WARM-009", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
    (
        "HPO-WARM-010",
        lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s), "earlier-job"])},
    ),
]
WARNS: list[tuple[str, Overrides, str]] = [
    (
        "HPO-WARM-007",
        lambda s: {"warm_start": WarmStart(parents=["earlier-job"])},
        "parents earlier-job must have finished",
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
test_rule_warns = warns(WARNS)
