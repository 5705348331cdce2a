"""Built-in algorithms cannot run here: what can be checked without them (hyperparameter names, ranges, metrics).

The tables hold the hyperparameters of SageMaker's XGBoost algorithm with the values each accepts (the "Valid values"
of its hyperparameter documentation; open ends are written closed) and the metrics it emits for tuning.
"""

from __future__ import annotations

from .checks import Finding
from .job import JobSpec

INF = float("inf")

#: XGBoost's hyperparameters: name -> (smallest, largest) valid value; None where the check is not numeric.
XGBOOST_HYPERPARAMETERS: dict[str, tuple[float, float] | None] = {
    "alpha": (0, INF),
    "base_score": None,
    "booster": None,
    "colsample_bylevel": (0, 1),
    "colsample_bynode": (0, 1),
    "colsample_bytree": (0, 1),
    "csv_weights": None,
    "deterministic_histogram": None,
    "early_stopping_rounds": None,
    "eta": (0, 1),
    "eval_metric": None,
    "gamma": (0, INF),
    "grow_policy": None,
    "interaction_constraints": None,
    "lambda": (0, INF),
    "lambda_bias": (0, 1),
    "max_bin": None,
    "max_delta_step": (0, INF),
    "max_depth": (0, INF),
    "max_leaves": None,
    "min_child_weight": (0, INF),
    "monotone_constraints": None,
    "normalize_type": None,
    "nthread": None,
    "num_class": None,
    "num_parallel_tree": None,
    "num_round": (1, INF),
    "objective": None,
    "one_drop": None,
    "process_type": None,
    "rate_drop": (0, 1),
    "refresh_leaf": None,
    "sample_type": None,
    "scale_pos_weight": (0, INF),
    "seed": None,
    "single_precision_histogram": None,
    "sketch_eps": (0, 1),
    "skip_drop": (0, 1),
    "subsample": (0, 1),
    "tree_method": None,
    "tweedie_variance_power": (1, 2),
    "updater": None,
    "use_dask_gpu_training": None,
    "verbosity": None,
}
#: XGBoost's objective metrics for tuning.
XGBOOST_METRICS = frozenset(
    f"{channel}:{metric}"
    for channel in ("train", "validation")
    for metric in (
        "accuracy", "auc", "aucpr", "error", "f1", "logloss", "mae", "map", "merror", "mlogloss", "mse", "ndcg", "rmse",
    )
)  # fmt: skip
KNOWN_ALGORITHMS = {"xgboost": (XGBOOST_HYPERPARAMETERS, XGBOOST_METRICS)}


def builtin_findings(spec: JobSpec, algorithm: str | None, uri: str | None) -> list[Finding]:
    """What can be said about a job whose image is a built-in algorithm (or any image the dry run cannot build)."""
    if algorithm not in KNOWN_ALGORITHMS:
        return [
            Finding(
                "builtin",
                "warning",
                f"the training image {uri} is not an image asset of this assembly: its program cannot run here, and "
                "the dry run knows nothing about it",
            )
        ]
    hyperparameters, metrics = KNOWN_ALGORITHMS[algorithm]
    findings = [
        Finding(
            "builtin",
            "info",
            f"built-in algorithm {algorithm} ({uri}): it cannot run on this machine, so no trial runs; only its "
            "hyperparameter names, ranges and objective metric are checked",
        )
    ]
    if spec.objective_name not in metrics:
        findings.append(
            Finding(
                "builtin",
                "error",
                f"objective {spec.objective_name} is not a metric {algorithm} emits for tuning "
                f"(it has {', '.join(sorted(metrics))})",
            )
        )
    for name in list(spec.static_hyperparameters) + [r.name for r in spec.ranges]:
        if name not in hyperparameters:
            findings.append(Finding("builtin", "error", f"hyperparameter {name} is not one {algorithm} accepts"))
    for spec_range in spec.ranges:
        bounds = hyperparameters.get(spec_range.name)
        if bounds is None or spec_range.kind == "categorical":
            continue
        low, high = bounds
        assert spec_range.min_value is not None and spec_range.max_value is not None
        if spec_range.min_value < low or spec_range.max_value > high:
            findings.append(
                Finding(
                    "builtin",
                    "error",
                    f"range {spec_range.name} {spec_range.min_value}..{spec_range.max_value} leaves what {algorithm} "
                    f"accepts ({low}..{high}): training jobs at that end fail",
                )
            )
    return findings
