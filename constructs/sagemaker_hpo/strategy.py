"""Search strategies: Hyperband (the default), Bayesian, Random and Grid."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

#: Static hyperparameters from which SageMaker infers Hyperband's ``MaxResource``.
EPOCH_HYPERPARAMETERS = ("epochs", "numepochs", "n-epochs", "n_epochs", "num_epochs")

#: Hyperband's upper bounds, from the API.
HYPERBAND_MAX_RESOURCE_LIMIT = 20000
HYPERBAND_MAX_TRAINING_JOBS = 750


@dataclass(frozen=True)
class Strategy:
    """A search strategy of a tuning job: ``Hyperband()``, ``Bayesian()``, ``RandomSearch()`` or ``GridSearch()``."""

    #: The API's ``HyperParameterTuningJobStrategyType``.
    name: ClassVar[str]

    def _render_config(self) -> dict[str, Any]:
        """The strategy's part of ``HyperParameterTuningJobConfig``."""
        return {"Strategy": self.name, "TrainingJobEarlyStoppingType": "Off"}

    @property
    def is_grid(self) -> bool:
        """Whether this is ``GridSearch`` (every combination of categorical values)."""
        return False


@dataclass(frozen=True)
class Hyperband(Strategy):
    """Hyperband: asynchronous successive halving that stops poor training jobs early from per-epoch metrics.

    :param min_resource: the fewest epochs (or iterations) a training job runs before Hyperband may stop it.
        Default: 1.
    :param max_resource: the most epochs a training job may run (at most 20,000). Default: None, in which case
        SageMaker infers it from a static hyperparameter named ``epochs``, ``numepochs``, ``n-epochs``,
        ``n_epochs`` or ``num_epochs``, which must then exist.
    """

    min_resource: int = 1
    max_resource: int | None = None
    name: ClassVar[str] = "Hyperband"

    def _render_config(self) -> dict[str, Any]:
        hyperband: dict[str, Any] = {"MinResource": self.min_resource}
        if self.max_resource is not None:
            hyperband["MaxResource"] = self.max_resource
        return {**super()._render_config(), "StrategyConfig": {"HyperbandStrategyConfig": hyperband}}


@dataclass(frozen=True)
class Bayesian(Strategy):
    """Bayesian optimization: each new training job is chosen from what earlier jobs found.

    :param early_stopping: let SageMaker stop training jobs that are unlikely to beat the best one
        (``TrainingJobEarlyStoppingType: Auto``). Default: False.
    """

    early_stopping: bool = False
    name: ClassVar[str] = "Bayesian"

    def _render_config(self) -> dict[str, Any]:
        return {**super()._render_config(), "TrainingJobEarlyStoppingType": "Auto" if self.early_stopping else "Off"}


@dataclass(frozen=True)
class RandomSearch(Strategy):
    """Random search: hyperparameters drawn at random from the ranges.

    :param early_stopping: let SageMaker stop training jobs that are unlikely to beat the best one. Default: False.
    """

    early_stopping: bool = False
    name: ClassVar[str] = "Random"

    def _render_config(self) -> dict[str, Any]:
        return {**super()._render_config(), "TrainingJobEarlyStoppingType": "Auto" if self.early_stopping else "Off"}


@dataclass(frozen=True)
class GridSearch(Strategy):
    """Grid search: every combination of categorical ranges, once. ``max_jobs`` may be left out."""

    name: ClassVar[str] = "Grid"

    @property
    def is_grid(self) -> bool:
        return True
