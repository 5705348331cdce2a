"""Facts about SageMaker's built-in algorithms that both the synth-time rules and the dry run use (no ``aws_cdk``
import: the dry run starts without it).

Sources: the XGBoost algorithm's hyperparameter page (docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters
.html: names and "Valid values"; open ends written closed; the metrics are train:/validation: of each
eval_metric it computes, with xgboost-tuning.html).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

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


#: The other built-in algorithms with documented tuning metrics, by the SDK's image-config name: (the metrics they
#: emit for tuning, the documentation page they are read from). The registry accounts come from the SageMaker
#: Python SDK's image data (``image_uri_config/<name>.json``), written to ``data/builtin-algorithms.json`` by
#: ``python -m sagemaker_hpo.algorithms <image_uri_config folder>``.
BUILTIN_METRICS: dict[str, tuple[frozenset[str], str]] = {
    "kmeans": (frozenset({"test:msd", "test:ssd"}), "docs.aws.amazon.com/sagemaker/latest/dg/k-means-tuning.html"),
    "knn": (frozenset({"test:accuracy", "test:mse"}), "docs.aws.amazon.com/sagemaker/latest/dg/kNN-tuning.html"),
    "randomcutforest": (
        frozenset({"test:f1"}),
        "docs.aws.amazon.com/sagemaker/latest/dg/random-cut-forest-tuning.html",
    ),
    "factorization-machines": (
        frozenset(
            {
                "test:rmse",
                "test:binary_classification_accuracy",
                "test:binary_classification_cross_entropy",
                "test:binary_f_beta",
            }
        ),
        "docs.aws.amazon.com/sagemaker/latest/dg/fm-tuning.html",
    ),
    "lda": (frozenset({"test:pwll"}), "docs.aws.amazon.com/sagemaker/latest/dg/lda-tuning.html"),
    "ipinsights": (
        frozenset({"validation:discriminator_auc"}),
        "docs.aws.amazon.com/sagemaker/latest/dg/ip-insights-tuning.html",
    ),
}
#: Where ``data/builtin-algorithms.json`` is shipped in the package.
BUILTIN_DATA_FILE = "data/builtin-algorithms.json"


def generate(config_dir: str) -> dict[str, Any]:
    """The data file's content: each algorithm of ``BUILTIN_METRICS`` with its repository, versions and registry
    accounts read from the SDK's ``image_uri_config`` folder."""
    folder = Path(config_dir)
    algorithms: dict[str, Any] = {}
    for name, (metrics, page) in BUILTIN_METRICS.items():
        config = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        versions = config["versions"]
        first = next(iter(versions.values()))
        algorithms[name] = {
            "repository": first["repository"],
            "versions": sorted(versions),
            "registries": dict(sorted(first["registries"].items())),
            "metrics": sorted(metrics),
            "metrics_source": page,
        }
    return {
        "source": "SageMaker Python SDK image data as shipped in sagemaker-core 2.27.0 (sagemaker/core/image_uri_config/"
        "<name>.json); metrics: the pages named",
        "algorithms": algorithms,
    }


def main(argv: list[str]) -> int:
    """Write ``data/builtin-algorithms.json`` from the SDK's ``image_uri_config`` folder (``argv[0]``)."""
    target = Path(__file__).resolve().parent / BUILTIN_DATA_FILE
    target.write_text(json.dumps(generate(argv[0]), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
