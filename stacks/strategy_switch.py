"""The app's strategy switch: ``cdk synth -c strategy=bayesian`` runs the experiments with another strategy.

Everything else about each experiment stays equal, so comparing Hyperband with Bayesian and Random search is one
command per strategy. Stacks keep their ids; for a strategy other than Hyperband their CloudFormation stack name gets
the strategy as a suffix (``MlpHyperband-Bayesian``), so the three runs can be deployed side by side and compared on
the same wall clock.
"""

from __future__ import annotations

from enum import Enum

from constructs import Node

from sagemaker_hpo import Bayesian, Hyperband, RandomSearch
from sagemaker_hpo.strategy import Strategy

#: The context key: ``-c strategy=...`` on the command line, or ``"strategy"`` under ``context`` in cdk.json.
STRATEGY_CONTEXT_KEY = "strategy"


class StrategyName(str, Enum):
    """The strategies the experiments compare."""

    HYPERBAND = "hyperband"
    BAYESIAN = "bayesian"
    RANDOM = "random"


def strategy_name(node: Node) -> StrategyName:
    """The strategy chosen with ``-c strategy=...``; Hyperband when none is given.

    Raises ``ValueError`` naming the setting, the value and the allowed values for anything else.
    """
    raw = node.try_get_context(STRATEGY_CONTEXT_KEY)
    if raw is None or raw == "":
        return StrategyName.HYPERBAND
    allowed = ", ".join(s.value for s in StrategyName)
    if not isinstance(raw, str) or raw.strip().lower() not in {s.value for s in StrategyName}:
        raise ValueError(f"context {STRATEGY_CONTEXT_KEY}={raw!r} is not a strategy; use one of: {allowed}")
    return StrategyName(raw.strip().lower())


def strategy_for(name: StrategyName, hyperband: Hyperband) -> Strategy:
    """The experiment's strategy: its own Hyperband settings, or Bayesian or Random search with defaults."""
    if name is StrategyName.HYPERBAND:
        return hyperband
    if name is StrategyName.BAYESIAN:
        return Bayesian()
    return RandomSearch()


def stack_name_for(construct_id: str, name: StrategyName) -> str:
    """The CloudFormation stack name: the id for Hyperband, ``<id>-<Strategy>`` otherwise."""
    return construct_id if name is StrategyName.HYPERBAND else f"{construct_id}-{name.value.capitalize()}"
