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

from ._data_files import load_json, write_text

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
#: Directions and regexes are recorded as the pages give them (LightGBM's and CatBoost's pages list their log losses
#: as Maximize; the library records directions and does not check them); a regex is the one the page's string
#: literal denotes (``"rmse: ([0-9\\\\.]+)"`` -> ``rmse: ([0-9\\.]+)``).
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


def _names(page: str, names: str) -> tuple[frozenset[str], str]:
    return frozenset(names.split()), _DG + page + ".html"


#: The hyperparameter names each built-in algorithm's hyperparameters page lists (read from the Developer Guide's
#: source as above): (names, page). XGBoost's, with their valid values, are XGBOOST_HYPERPARAMETERS.
BUILTIN_HYPERPARAMETERS: dict[str, tuple[frozenset[str], str]] = {
    "kmeans": _names(
        "k-means-api-config",
        "epochs eval_metrics extra_center_factor feature_dim half_life_time_size init_method k "
        "local_lloyd_init_method local_lloyd_max_iter local_lloyd_num_trials local_lloyd_tol mini_batch_size",
    ),
    "knn": _names(
        "kNN_hyperparameters",
        "dimension_reduction_target dimension_reduction_type faiss_index_ivf_nlists faiss_index_pq_m "
        "feature_dim index_metric index_type k mini_batch_size predictor_type sample_size",
    ),
    "randomcutforest": _names("rcf_hyperparameters", "eval_metrics feature_dim num_samples_per_tree num_trees"),
    "factorization-machines": _names(
        "fact-machines-hyperparameters",
        "bias_init_method bias_init_scale bias_init_sigma bias_init_value bias_lr bias_wd clip_gradient "
        "epochs eps factors_init_method factors_init_scale factors_init_sigma factors_init_value factors_lr "
        "factors_wd feature_dim linear_init_method linear_init_scale linear_init_sigma linear_init_value "
        "linear_lr linear_wd mini_batch_size num_factors predictor_type rescale_grad",
    ),
    "lda": _names(
        "lda_hyperparameters", "alpha0 feature_dim max_iterations max_restarts mini_batch_size num_topics tol"
    ),
    "ipinsights": _names(
        "ip-insights-hyperparameters",
        "batch_metrics_publish_interval epochs learning_rate mini_batch_size num_entity_vectors "
        "num_ip_encoder_layers random_negative_sampling_rate shuffled_negative_sampling_rate vector_dim "
        "weight_decay",
    ),
    "linear-learner": _names(
        "ll_hyperparameters",
        "accuracy_top_k balance_multiclass_weights beta_1 beta_2 bias_lr_mult bias_wd_mult "
        "binary_classifier_model_selection_criteria early_stopping_patience early_stopping_tolerance epochs "
        "f_beta feature_dim huber_delta init_bias init_method init_scale init_sigma l1 learning_rate loss "
        "loss_insensitivity lr_scheduler_factor lr_scheduler_minimum_lr lr_scheduler_step margin "
        "mini_batch_size momentum normalize_data normalize_label num_calibration_samples num_classes "
        "num_models num_point_for_scaler optimizer positive_example_weight_mult predictor_type quantile "
        "target_precision target_recall unbias_data unbias_label use_bias use_lr_scheduler wd",
    ),
    "ntm": _names(
        "ntm_hyperparameters",
        "batch_norm clip_gradient encoder_layers encoder_layers_activation epochs learning_rate "
        "mini_batch_size num_patience_epochs num_topics optimizer rescale_gradient sub_sample tolerance "
        "weight_decay",
    ),
    "blazingtext": _names(
        "blazingtext_hyperparameters",
        "batch_size buckets early_stopping epochs evaluation learning_rate max_char min_char min_count "
        "min_epochs mode negative_samples patience sampling_threshold subwords vector_dim window_size "
        "word_ngrams",
    ),
    "object2vec": _names(
        "object2vec-hyperparameters",
        "bucket_width comparator_list dropout early_stopping_patience early_stopping_tolerance "
        "enc0_cnn_filter_width enc0_freeze_pretrained_embedding enc0_layers enc0_max_seq_len enc0_network "
        "enc0_pretrained_embedding_file enc0_token_embedding_dim enc0_vocab_file enc0_vocab_size "
        "enc1_cnn_filter_width enc1_freeze_pretrained_embedding enc1_layers enc1_max_seq_len enc1_network "
        "enc1_pretrained_embedding_file enc1_token_embedding_dim enc1_vocab_file enc1_vocab_size enc_dim "
        "epochs learning_rate mini_batch_size mlp_activation mlp_dim mlp_layers negative_sampling_rate "
        "num_classes optimizer output_layer tied_token_embedding_weight token_embedding_storage_type "
        "weight_decay",
    ),
    "image-classification": _names(
        "IC-Hyperparameter",
        "augmentation_type beta_1 beta_2 checkpoint_frequency early_stopping early_stopping_min_epochs "
        "early_stopping_patience early_stopping_tolerance epochs eps gamma image_shape kv_store learning_rate "
        "lr_scheduler_factor lr_scheduler_step mini_batch_size momentum multi_label num_classes num_layers "
        "num_training_samples optimizer precision_dtype resize top_k use_pretrained_model use_weighted_loss "
        "weight_decay",
    ),
    "object-detection": _names(
        "object-detection-api-config",
        "base_network early_stopping early_stopping_min_epochs early_stopping_patience "
        "early_stopping_tolerance epochs freeze_layer_pattern image_shape kv_store label_width learning_rate "
        "lr_scheduler_factor lr_scheduler_step mini_batch_size momentum nms_threshold num_classes "
        "num_training_samples optimizer overlap_threshold use_pretrained_model weight_decay",
    ),
    "semantic-segmentation": _names(
        "segmentation-hyperparameters",
        "algorithm backbone base_size crop_size early_stopping early_stopping_min_epochs "
        "early_stopping_patience early_stopping_tolerance epochs gamma1 gamma2 learning_rate lr_scheduler "
        "lr_scheduler_factor lr_scheduler_step mini_batch_size momentum num_classes num_training_samples "
        "optimizer syncbn use_pretrained_model validation_mini_batch_size weight_decay",
    ),
    "forecasting-deepar": _names(
        "deepar_hyperparameters",
        "cardinality context_length dropout_rate early_stopping_patience embedding_dimension epochs "
        "learning_rate likelihood mini_batch_size num_cells num_dynamic_feat num_eval_samples num_layers "
        "prediction_length test_quantiles time_freq",
    ),
    "seq2seq": _names(
        "seq-2-seq-hyperparameters",
        "batch_size beam_size bleu_sample_size bucket_width bucketing_enabled "
        "checkpoint_frequency_num_batches checkpoint_threshold clip_gradient cnn_activation_type "
        "cnn_hidden_dropout cnn_kernel_width_decoder cnn_kernel_width_encoder cnn_num_hidden decoder_type "
        "embed_dropout_source embed_dropout_target encoder_type fixed_rate_lr_half_life learning_rate "
        "loss_type lr_scheduler_type max_num_batches max_num_epochs max_seq_len_source max_seq_len_target "
        "min_num_epochs momentum num_embed_source num_embed_target num_layers_decoder num_layers_encoder "
        "optimized_metric optimizer_type plateau_reduce_lr_factor plateau_reduce_lr_threshold "
        "rnn_attention_in_upper_layers rnn_attention_num_hidden rnn_attention_type rnn_cell_type "
        "rnn_decoder_hidden_dropout rnn_decoder_state_init rnn_first_residual_layer rnn_num_hidden "
        "rnn_residual_connections training_metric weight_decay weight_init_scale weight_init_type "
        "xavier_factor_type",
    ),
    "lightgbm": _names(
        "lightgbm-hyperparameters",
        "bagging_fraction bagging_freq boosting early_stopping_rounds feature_fraction "
        "feature_fraction_bynode is_unbalance lambda_l1 lambda_l2 learning_rate max_bin max_delta_step "
        "max_depth metric min_data_in_leaf min_gain_to_split num_boost_round num_leaves num_threads "
        "scale_pos_weight tree_learner tweedie_variance_power verbosity",
    ),
    "catboost": _names(
        "catboost-hyperparameters",
        "bagging_temperature boosting_type depth early_stopping_rounds eval_metric grow_policy iterations "
        "l2_leaf_reg learning_rate max_bin max_leaves min_data_in_leaf random_seed random_strength rsm "
        "sampling_frequency scale_pos_weight thread_count verbose",
    ),
    "tabtransformer": _names(
        "tabtransformer-hyperparameters",
        "attn_dropout batch_size frac_shared_embed input_dim learning_rate mlp_dropout n_blocks n_epochs patience",
    ),
    "image-classification-tensorflow": _names(
        "IC-TF-Hyperparameter",
        "augmentation augmentation_random_flip augmentation_random_rotation augmentation_random_zoom "
        "batch_size beta_1 beta_2 binary_mode dropout_rate early_stopping early_stopping_min_delta "
        "early_stopping_patience epochs epsilon eval_metric image_resize_interpolation "
        "initial_accumulator_value label_smoothing learning_rate momentum optimizer regularizers_l2 "
        "reinitialize_top_layer rho train_only_on_top_layer",
    ),
    "object-detection-tensorflow": _names(
        "object-detection-tensorflow-Hyperparameter",
        "batch_size beta_1 beta_2 early_stopping early_stopping_min_delta early_stopping_patience epochs "
        "epsilon initial_accumulator_value learning_rate momentum optimizer reinitialize_top_layer rho "
        "train_only_on_top_layer",
    ),
}

#: Where ``data/builtin-algorithms.json`` is shipped in the package.
BUILTIN_DATA_FILE = "data/builtin-algorithms.json"


@cache
def load_builtin_data() -> dict[str, Any]:
    """The shipped ``data/builtin-algorithms.json``: ``algorithms`` (images, metrics), ``jumpstart``, ``untunable``."""
    data: dict[str, Any] = load_json(BUILTIN_DATA_FILE)
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
    write_text(BUILTIN_DATA_FILE, json.dumps(generate(argv[0]), indent=1) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
