"""The job's strategy and ranges mapped onto Optuna.

| SageMaker | Optuna |
| --- | --- |
| ``Hyperband`` | random sampling, ``SuccessiveHalvingPruner`` (asynchronous successive halving, reduction factor 3) with rungs at ``MinResource x 3^k`` epochs; trials end at ``MaxResource`` (the epochs hyperparameter) |
| ``Bayesian`` | ``TPESampler`` |
| ``Random`` | ``RandomSampler`` |
| ``Grid`` | ``GridSampler`` over every integer and categorical value |
| ``TrainingJobEarlyStoppingType=Auto`` | ``MedianPruner`` (SageMaker's rule compares with the median of earlier jobs at the same epoch) |

Ranges: ``Linear`` and ``Auto`` uniform; ``Logarithmic`` log-uniform; ``ReverseLogarithmic`` log-uniform in
``1 - value`` (values near the upper end dense, as SageMaker defines it); integer ranges as integers (log or not);
categorical as categorical. Optuna's parameter of a reverse-logarithmic range is ``1 - value`` under the name
``<name>:1-x``; :func:`hyperparameters_from_params` turns parameters back into the values the program gets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .extras import require
from .job import JobSpec, ParameterRange

#: Hyperband's reduction factor (SageMaker does not publish its own; 3 is Hyperband's usual eta).
REDUCTION_FACTOR = 3
REVERSE_SUFFIX = ":1-x"


def distribution(spec: ParameterRange) -> tuple[str, Any]:
    """The Optuna parameter name and distribution of one range."""
    optuna = require("optuna")
    if spec.kind == "categorical":
        return spec.name, optuna.distributions.CategoricalDistribution(list(spec.values))
    assert spec.min_value is not None and spec.max_value is not None
    low, high = spec.min_value, spec.max_value
    if spec.kind == "integer":
        return spec.name, optuna.distributions.IntDistribution(
            int(low), int(high), log=spec.scaling == "Logarithmic" and low > 0
        )
    if spec.scaling == "ReverseLogarithmic":
        return spec.name + REVERSE_SUFFIX, optuna.distributions.FloatDistribution(1 - high, 1 - low, log=True)
    return spec.name, optuna.distributions.FloatDistribution(low, high, log=spec.scaling == "Logarithmic" and low > 0)


def distributions(ranges: Sequence[ParameterRange]) -> dict[str, Any]:
    """Every range's Optuna distribution by parameter name."""
    return dict(distribution(r) for r in ranges)


def hyperparameters_from_params(ranges: Sequence[ParameterRange], params: Mapping[str, Any]) -> dict[str, str]:
    """The tuned hyperparameters as SageMaker passes them (strings) from an Optuna trial's parameters."""
    values: dict[str, str] = {}
    for spec in ranges:
        if spec.kind == "categorical":
            values[spec.name] = str(params[spec.name])
        elif spec.name + REVERSE_SUFFIX in params:
            values[spec.name] = spec.format(1 - float(params[spec.name + REVERSE_SUFFIX]))
        else:
            values[spec.name] = spec.format(float(params[spec.name]))
    return values


def grid_values(spec: ParameterRange) -> list[Any]:
    """Every value of a range Grid search can take (integer and categorical ranges only, as SageMaker requires)."""
    if spec.kind == "categorical":
        return list(spec.values)
    if spec.kind == "integer":
        assert spec.min_value is not None and spec.max_value is not None
        return list(range(int(spec.min_value), int(spec.max_value) + 1))
    raise ValueError(f"range {spec.name}: Grid search takes integer and categorical ranges only (SageMaker's rule)")


def grid_size(ranges: Sequence[ParameterRange]) -> int:
    """The number of combinations a Grid search tries."""
    size = 1
    for spec in ranges:
        size *= len(grid_values(spec))
    return size


def sampler(spec: JobSpec, seed: int) -> Any:
    """The Optuna sampler of the job's strategy."""
    optuna = require("optuna")
    if spec.strategy == "Bayesian":
        return optuna.samplers.TPESampler(seed=seed)
    if spec.strategy == "Grid":
        return optuna.samplers.GridSampler({r.name: grid_values(r) for r in spec.ranges}, seed=seed)
    if spec.strategy in ("Random", "Hyperband"):
        return optuna.samplers.RandomSampler(seed=seed)
    raise ValueError(f"unknown strategy {spec.strategy!r}")


def pruner(spec: JobSpec) -> Any:
    """The Optuna pruner: successive halving for Hyperband, the median rule for early stopping ``Auto``, else none."""
    optuna = require("optuna")
    if spec.strategy == "Hyperband":
        return optuna.pruners.SuccessiveHalvingPruner(
            min_resource=max(1, spec.min_resource or 1), reduction_factor=REDUCTION_FACTOR, min_early_stopping_rate=0
        )
    if spec.early_stopping == "Auto":
        return optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    return optuna.pruners.NopPruner()


def rungs(spec: JobSpec) -> list[int]:
    """The epochs at which Hyperband may stop a trial: ``MinResource x 3^k`` below ``MaxResource``."""
    if spec.strategy != "Hyperband" or spec.max_resource is None:
        return []
    found: list[int] = []
    rung = max(1, spec.min_resource or 1)
    while rung < spec.max_resource:
        found.append(rung)
        rung *= REDUCTION_FACTOR
    return found


def seed_rung_trial(value: float) -> Any:
    """A finished Optuna trial holding one first-rung value (a check trial's), so early trials have competitors.

    Optuna's successive halving compares a trial at a rung with the values other trials recorded there; without
    seeds the first trial of a sequential run has none and always runs to the end. The seed carries no parameters,
    so samplers ignore it.
    """
    optuna = require("optuna")
    return optuna.trial.create_trial(
        state=optuna.trial.TrialState.PRUNED,
        params={},
        distributions={},
        system_attrs={"completed_rung_0": value, "dryrun:seed": True},
        intermediate_values={},
    )
