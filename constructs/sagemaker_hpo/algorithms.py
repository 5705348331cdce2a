"""Facts about SageMaker's built-in algorithms that both the synth-time rules and the dry run use (no ``aws_cdk``
import: the dry run starts without it).

Sources: the XGBoost algorithm's hyperparameter page (docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters
.html: names and "Valid values"; open ends written closed; the metrics are train:/validation: of each
eval_metric it computes, with xgboost-tuning.html).
"""

from __future__ import annotations

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
#: Metrics the built-in XGBoost algorithm emits (``train:`` and ``validation:`` channels).
XGBOOST_METRICS = frozenset(
    f"{channel}:{metric}"
    for channel in ("train", "validation")
    for metric in (
        "accuracy", "auc", "aucpr", "cox-nloglik", "error", "f1", "gamma-deviance", "gamma-nloglik", "logloss",
        "mae", "map", "mape", "merror", "mlogloss", "mse", "ndcg", "poisson-nloglik", "rmse", "tweedie-nloglik",
    )
)  # fmt: skip
