"""Built-in algorithms beyond XGBoost: image registries per region (the SDK's image data) and tuning metrics (the
algorithms' tuning pages), defined once in ``sagemaker_hpo.algorithms`` / ``data/builtin-algorithms.json``."""

from __future__ import annotations

import json

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match

from sagemaker_hpo import IntegerRange, Objective, TrainingImage, ValidationError
from sagemaker_hpo.algorithms import BUILTIN_DATA_FILE, BUILTIN_METRICS
from tests.construct_support import job, new_stack, training
from tests.request_support import ROOT_DIR

DATA = json.loads((ROOT_DIR / "constructs" / "sagemaker_hpo" / BUILTIN_DATA_FILE).read_text(encoding="utf-8"))


def test_the_shipped_data_holds_every_algorithm_with_its_documented_metrics() -> None:
    algorithms = DATA["algorithms"]
    assert set(algorithms) == set(BUILTIN_METRICS)
    for name, (metrics, page) in BUILTIN_METRICS.items():
        assert algorithms[name]["metrics"] == sorted(metrics)
        assert algorithms[name]["metrics_source"] == page
        assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(algorithms[name]["registries"])


def _kmeans_job(stack: cdk.Stack, metric: str) -> dict[str, object]:
    return job(
        stack,
        "Kmeans",
        objective=Objective.minimize(metric),
        parameter_ranges=[IntegerRange("extra_center_factor", 4, 10), IntegerRange("mini_batch_size", 3000, 15000)],
        training=training(
            image=TrainingImage.builtin_algorithm("kmeans", "1"),
            static_hyperparameters={"k": 10, "feature_dim": 784},
        ),
    ).request


def test_a_kmeans_job_pulls_the_regions_registry() -> None:
    stack = new_stack("Kmeans", env=cdk.Environment(account="123456789012", region="us-east-1"))
    request = stack.resolve(_kmeans_job(stack, "test:msd"))
    image = json.dumps(request["TrainingJobDefinition"]["AlgorithmSpecification"]["TrainingImage"])
    # The SDK's kmeans registry in us-east-1.
    assert "382416733822" in image and "/kmeans:1" in image
    assert not Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("HPO-METRIC-003"))


def test_an_objective_the_algorithm_does_not_emit_is_flagged() -> None:
    stack = new_stack("KmeansWrong")
    _kmeans_job(stack, "validation:auc")
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("validation:auc"))
    assert warnings


def test_an_unknown_version_is_refused() -> None:
    stack = new_stack("Versions")
    with pytest.raises(ValidationError, match=r"'2'; is not a published knn version; published: 1 \[HPO-IMAGE-002\]"):
        job(stack, "Knn", training=training(image=TrainingImage.builtin_algorithm("knn", "2")))


def test_a_factorization_machines_job_in_an_agnostic_stack_maps_every_region() -> None:
    stack = new_stack("Fm")
    job(
        stack,
        "Fm",
        objective=Objective.minimize("test:rmse"),
        parameter_ranges=[IntegerRange("epochs", 1, 100), IntegerRange("num_factors", 2, 64)],
        training=training(
            image=TrainingImage.builtin_algorithm("factorization-machines", "1"),
            static_hyperparameters={"feature_dim": 784, "predictor_type": "regressor"},
        ),
    )
    mappings = cdk.assertions.Template.from_stack(stack).to_json()["Mappings"]
    (mapping,) = mappings.values()
    assert mapping["us-east-1"] == {"account": DATA["algorithms"]["factorization-machines"]["registries"]["us-east-1"]}
    assert all(key.isalnum() for key in mappings)
