"""The rules of ``sagemaker_hpo.rules.images`` (HPO-IMAGE): their cases, keyed by rule id, each run as a tuning job at
synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from sagemaker_hpo import TrainingImage
from tests.construct_support import training
from tests.rules.builders import jumpstart_job
from tests.rules.cases import Overrides, accepts, rejects

FAILING: list[tuple[str, Overrides, str]] = [
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
    ("HPO-IMAGE-003", lambda s: jumpstart_job("lightgbn", "rmse"), r"'lightgbn'; is not a JumpStart algorithm"),
    (
        "HPO-IMAGE-003:untunable",
        lambda s: jumpstart_job("autogluon-tabular", "rmse"),
        r"cannot be tuned: AutoGluon-Tabular documents no tuning metrics",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-IMAGE-001", lambda s: {"training": training(image=TrainingImage.builtin_algorithm("XGBoost", "3.0-5"))}),
    ("HPO-IMAGE-002", lambda s: {"training": training(image=TrainingImage.builtin_algorithm("xgboost", "3.0-5"))}),
    ("HPO-IMAGE-003", lambda s: jumpstart_job("lightgbm", "rmse")),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
