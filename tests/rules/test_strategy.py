"""The rules of ``sagemaker_hpo.rules.strategy`` (HPO-STRATEGY): their cases, keyed by rule id, each run as a tuning job
at synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

from sagemaker_hpo import Bayesian, CategoricalRange, GridSearch, Hyperband, IntegerRange, WarmStart
from tests.construct_support import training
from tests.rules.builders import custom_image_job, parent_job
from tests.rules.cases import Overrides, accepts, rejects, warns

FAILING: list[tuple[str, Overrides, str]] = [
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
]
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-STRATEGY-001", lambda s: {"strategy": Hyperband(min_resource=1, max_resource=10)}),
    ("HPO-STRATEGY-002", lambda s: {"strategy": Hyperband(min_resource=1, max_resource=20000)}),
    ("HPO-STRATEGY-003", lambda s: {"strategy": Hyperband(min_resource=10, max_resource=10)}),
    (
        "HPO-STRATEGY-004",
        lambda s: {**custom_image_job(s, static_hyperparameters={"num_epochs": 20}), "strategy": Hyperband()},
    ),
    (
        "HPO-STRATEGY-005",
        lambda s: {**custom_image_job(s, static_hyperparameters={"epochs": 20}), "strategy": Hyperband()},
    ),
    (
        "HPO-STRATEGY-006",
        lambda s: {
            **custom_image_job(s, static_hyperparameters={"epochs": 10}),
            "strategy": Hyperband(min_resource=10),
        },
    ),
    ("HPO-STRATEGY-007", lambda s: {"max_jobs": 750}),
    (
        "HPO-STRATEGY-008",
        lambda s: {
            **custom_image_job(s),
            "strategy": GridSearch(),
            "max_jobs": None,
            "parameter_ranges": [CategoricalRange("a", [1, 2]), CategoricalRange("b", ["x", "y", "z"])],
        },
    ),
    (
        "HPO-STRATEGY-009",
        lambda s: {
            **custom_image_job(s),
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
    ("HPO-STRATEGY-011", lambda s: {"strategy": Bayesian(), "warm_start": WarmStart(parents=[parent_job(s)])}),
]
WARNS: list[tuple[str, Overrides, str]] = [
    (
        "HPO-STRATEGY-011",
        lambda s: {"warm_start": WarmStart(parents=["earlier-job"])},
        "warm_start with Hyperband",
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
test_rule_warns = warns(WARNS)
