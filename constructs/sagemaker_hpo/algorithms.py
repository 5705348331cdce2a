"""Facts about SageMaker's built-in algorithms that both the synth-time rules and the dry run use (no ``aws_cdk``
import: the dry run starts without it).

Sources: the XGBoost algorithm's hyperparameter page (docs.aws.amazon.com/sagemaker/latest/dg/xgboost_hyperparameters
.html: names and "Valid values"; open ends written closed; the metrics are train:/validation: of each
eval_metric it computes, with xgboost-tuning.html); each algorithm's tuning page for its metrics and their directions
(``BUILTIN_METRICS``, ``JUMPSTART_METRICS``); the SageMaker Python SDK's image data for the registries, repositories
and versions, written with the metrics to ``data/builtin-algorithms.json`` (``python -m sagemaker_hpo.algorithms``),
which ``load_builtin_data`` reads.
"""

from __future__ import annotations

import json
import sys
from functools import cache
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
#: The optimization direction of each XGBoost metric its tuning page lists (xgboost-tuning.html, validation: channel).
XGBOOST_DIRECTIONS = {
    "accuracy": "Maximize", "auc": "Maximize", "error": "Minimize", "f1": "Maximize", "logloss": "Minimize",
    "mae": "Minimize", "map": "Maximize", "merror": "Minimize", "mlogloss": "Minimize", "mse": "Minimize",
    "ndcg": "Maximize", "rmse": "Minimize",
}  # fmt: skip


#: Where the tuning pages below were read: the SageMaker Developer Guide (docs.aws.amazon.com/sagemaker/latest/dg/
#: <page>), checked against its source, the awsdocs/amazon-sagemaker-developer-guide repository (doc_source/<page>.md,
#: commit a869fa5, the last before it was archived in June 2023).
_DG = "docs.aws.amazon.com/sagemaker/latest/dg/"
MINIMIZE, MAXIMIZE = "Minimize", "Maximize"


def _metrics(direction: str, *names: str) -> dict[str, str | None]:
    return dict.fromkeys(names, direction)


#: Linear learner's metrics: the page lists each for the test and validation channels, rmse for validation only.
_LINEAR_LEARNER_METRICS: dict[str, str | None] = {
    f"{channel}:{metric}": direction
    for channel in ("test", "validation")
    for metric, direction in (
        ("absolute_loss", MINIMIZE), ("binary_classification_accuracy", MAXIMIZE),
        ("binary_f_beta", MAXIMIZE), ("dcg", MAXIMIZE), ("macro_f_beta", MAXIMIZE),
        ("macro_precision", MAXIMIZE), ("macro_recall", MAXIMIZE), ("mse", MINIMIZE),
        ("multiclass_accuracy", MAXIMIZE), ("multiclass_top_k_accuracy", MAXIMIZE),
        ("objective_loss", MINIMIZE), ("precision", MAXIMIZE), ("recall", MAXIMIZE),
        ("roc_auc_score", MAXIMIZE),
    )
}  # fmt: skip
_LINEAR_LEARNER_METRICS["validation:rmse"] = MINIMIZE


#: The built-in algorithms with documented tuning metrics, by the SDK's image-config name: (each metric they emit for
#: tuning with the optimization direction its page gives, the page). The registry accounts and versions come from the
#: SageMaker Python SDK's image data (``image_uri_config/<name>.json``), written to ``data/builtin-algorithms.json`` by
#: ``python -m sagemaker_hpo.algorithms <image_uri_config folder>``.
BUILTIN_METRICS: dict[str, tuple[dict[str, str | None], str]] = {
    "kmeans": (_metrics(MINIMIZE, "test:msd", "test:ssd"), _DG + "k-means-tuning.html"),
    "knn": ({"test:accuracy": MAXIMIZE, "test:mse": MINIMIZE}, _DG + "kNN-tuning.html"),
    "randomcutforest": (_metrics(MAXIMIZE, "test:f1"), _DG + "random-cut-forest-tuning.html"),
    "factorization-machines": (
        {
            "test:rmse": MINIMIZE,
            "test:binary_classification_accuracy": MAXIMIZE,
            "test:binary_classification_cross_entropy": MINIMIZE,
            "test:binary_f_beta": MAXIMIZE,
        },
        _DG + "fm-tuning.html",
    ),
    "lda": (_metrics(MAXIMIZE, "test:pwll"), _DG + "lda-tuning.html"),
    "ipinsights": (_metrics(MAXIMIZE, "validation:discriminator_auc"), _DG + "ip-insights-tuning.html"),
    "linear-learner": (_LINEAR_LEARNER_METRICS, _DG + "linear-learner-tuning.html"),
    "ntm": (_metrics(MINIMIZE, "validation:total_loss"), _DG + "ntm-tuning.html"),
    "blazingtext": (_metrics(MAXIMIZE, "train:mean_rho", "validation:accuracy"), _DG + "blazingtext-tuning.html"),
    "object2vec": (
        {
            "test:mean_squared_error": MINIMIZE,
            "validation:mean_squared_error": MINIMIZE,
            "test:accuracy": MAXIMIZE,
            "test:cross_entropy": MINIMIZE,
            "validation:accuracy": MAXIMIZE,
            "validation:cross_entropy": MINIMIZE,
        },
        _DG + "object2vec-tuning.html",
    ),
    "image-classification": (_metrics(MAXIMIZE, "validation:accuracy"), _DG + "IC-tuning.html"),
    "object-detection": (_metrics(MAXIMIZE, "validation:mAP"), _DG + "object-detection-tuning.html"),
    "semantic-segmentation": (
        _metrics(MAXIMIZE, "validation:mIOU", "validation:pixel_accuracy"),
        _DG + "semantic-segmentation-tuning.html",
    ),
    "forecasting-deepar": (
        _metrics(MINIMIZE, "test:RMSE", "test:mean_wQuantileLoss", "train:final_loss"),
        _DG + "deepar-tuning.html",
    ),
    "seq2seq": (
        {"validation:accuracy": MAXIMIZE, "validation:bleu": MAXIMIZE, "validation:perplexity": MINIMIZE},
        _DG + "seq-2-seq-tuning.html",
    ),
    # XGBOOST_METRICS holds every train:/validation: eval_metric the algorithm computes; the tuning page lists
    # validation: metrics with their directions (None: the page gives none).
    "xgboost": (
        {
            m: XGBOOST_DIRECTIONS.get(m[len("validation:") :]) if m.startswith("validation:") else None
            for m in XGBOOST_METRICS
        },
        _DG + "xgboost-tuning.html",
    ),
}
#: Built-in algorithms whose pages document no tuning metrics: a tuning job of theirs is refused (HPO-IMAGE-001).
UNTUNABLE_ALGORITHMS: dict[str, str] = {
    "pca": "PCA documents no tuning metrics (" + _DG + "pca.html has no tuning page): train it with a training job",
    "autogluon-tabular": "AutoGluon-Tabular documents no tuning metrics (" + _DG + "autogluon-tabular-tuning.html: "
    "it ensembles and stacks models instead of being tuned)",
}

#: SageMaker's JumpStart-based built-in algorithms: their training image is a framework container (PyTorch,
#: TensorFlow, ...) resolved by JumpStart at run time from the model's specification, with a training script and
#: pre-trained artifacts in JumpStart's buckets; the library cannot name it offline, so the user passes its URI
#: (``TrainingImage.jumpstart_algorithm``). Their tuning pages give each metric with its direction and, for most,
#: the regex that reads it from the training log: (metric -> (direction, regex or None), page).
JUMPSTART_METRICS: dict[str, tuple[dict[str, tuple[str, str | None]], str]] = {
    "lightgbm": (
        {
            name: (direction, name + r": ([0-9\.]+)")
            for name, direction in (
                ("rmse", MINIMIZE),
                ("l1", MINIMIZE),
                ("l2", MINIMIZE),
                ("huber", MINIMIZE),
                ("fair", MINIMIZE),
                ("binary_logloss", MAXIMIZE),
                ("binary_error", MINIMIZE),
                ("auc", MAXIMIZE),
                ("average_precision", MAXIMIZE),
                ("multi_logloss", MAXIMIZE),
                ("multi_error", MINIMIZE),
                ("auc_mu", MAXIMIZE),
                ("cross_entropy", MINIMIZE),
            )
        },
        _DG + "lightgbm-tuning.html",
    ),  # fmt: skip
    "catboost": (
        {
            name: (direction, r"bestTest = ([0-9\.]+)")
            for name, direction in (
                ("RMSE", MINIMIZE),
                ("MAE", MINIMIZE),
                ("MedianAbsoluteError", MINIMIZE),
                ("R2", MAXIMIZE),
                ("Logloss", MAXIMIZE),
                ("Precision", MAXIMIZE),
                ("Recall", MAXIMIZE),
                ("F1", MAXIMIZE),
                ("AUC", MAXIMIZE),
                ("MultiClass", MAXIMIZE),
                ("Accuracy", MAXIMIZE),
                ("BalancedAccuracy", MAXIMIZE),
            )
        },
        _DG + "catboost-tuning.html",
    ),  # fmt: skip
    "tabtransformer": (
        {
            "r2": (MAXIMIZE, r"metrics={'r2': (\S+)}"),
            "f1_score": (MAXIMIZE, r"metrics={'f1': (\S+)}"),
            "accuracy_score": (MAXIMIZE, r"metrics={'accuracy': (\S+)}"),
        },
        _DG + "tabtransformer-tuning.html",
    ),
    "image-classification-tensorflow": ({"validation:accuracy": (MAXIMIZE, None)}, _DG + "IC-TF-tuning.html"),
    "object-detection-tensorflow": (
        {"validation:localization_loss": (MINIMIZE, r"Val_localization=([0-9\.]+)")},
        _DG + "object-detection-tensorflow-tuning.html",
    ),
}
#: Where ``data/builtin-algorithms.json`` is shipped in the package.
BUILTIN_DATA_FILE = "data/builtin-algorithms.json"


@cache
def load_builtin_data() -> dict[str, Any]:
    """The shipped ``data/builtin-algorithms.json``: ``algorithms`` (images, metrics), ``jumpstart``, ``untunable``."""
    data: dict[str, Any] = json.loads((Path(__file__).resolve().parent / BUILTIN_DATA_FILE).read_text(encoding="utf-8"))
    return data


def builtin_repositories() -> dict[str, str]:
    """Each built-in algorithm's image repository (``sagemaker-xgboost``, ``linear-learner``) -> its name."""
    return {
        group["repository"]: name
        for name, algorithm in load_builtin_data()["algorithms"].items()
        for group in algorithm["images"]
    }


def _image_groups(versions: dict[str, Any]) -> list[dict[str, Any]]:
    """The SDK's versions grouped by (repository, registries): most algorithms have one group; XGBoost's legacy
    version ``1`` lives in another repository and fewer regions than its framework versions."""
    groups: list[dict[str, Any]] = []
    for version, config in versions.items():
        registries = dict(sorted(config["registries"].items()))
        for group in groups:
            if group["repository"] == config["repository"] and group["registries"] == registries:
                group["versions"].append(version)
                break
        else:
            groups.append({"repository": config["repository"], "versions": [version], "registries": registries})
    return groups


def generate(config_dir: str) -> dict[str, Any]:
    """The data file's content: each algorithm of ``BUILTIN_METRICS`` with its repositories, versions and registry
    accounts read from the SDK's ``image_uri_config`` folder; the JumpStart algorithms and those without tuning
    metrics as written above."""
    folder = Path(config_dir)
    algorithms: dict[str, Any] = {}
    for name, (metrics, page) in BUILTIN_METRICS.items():
        config = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        versions = config["training"]["versions"] if "training" in config else config["versions"]
        algorithms[name] = {
            "images": _image_groups(versions),
            "metrics": dict(sorted(metrics.items())),
            "metrics_source": page,
        }
    jumpstart = {
        name: {
            "metrics": {m: {"direction": d, "regex": r} for m, (d, r) in sorted(metrics.items())},
            "metrics_source": page,
        }
        for name, (metrics, page) in JUMPSTART_METRICS.items()
    }
    return {
        "source": "SageMaker Python SDK image data as shipped in sagemaker-core 2.27.0 (sagemaker/core/image_uri_config/"
        "<name>.json, training scope); metrics and their optimization directions (null: the page gives none): the "
        "SageMaker Developer Guide pages named",
        "algorithms": algorithms,
        "jumpstart": {
            "source": "JumpStart algorithms: the training image is resolved by JumpStart at run time from the model's "
            "specification; pass it to TrainingImage.jumpstart_algorithm. Metrics, directions and regexes: the pages "
            "named (a null regex: the page gives none)",
            "algorithms": jumpstart,
        },
        "untunable": UNTUNABLE_ALGORITHMS,
    }


def main(argv: list[str]) -> int:
    """Write ``data/builtin-algorithms.json`` from the SDK's ``image_uri_config`` folder (``argv[0]``)."""
    target = Path(__file__).resolve().parent / BUILTIN_DATA_FILE
    target.write_text(json.dumps(generate(argv[0]), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
