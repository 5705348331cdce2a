"""Built-in algorithms: image registries per region and version (the SDK's image data) and tuning metrics (the
algorithms' tuning pages), defined once in ``sagemaker_hpo.algorithms`` / ``data/builtin-algorithms.json``."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Annotations, Match
from constructs import Construct

from sagemaker_hpo import IntegerRange, MetricDefinition, Objective, TrainingImage, ValidationError
from sagemaker_hpo.algorithms import (
    BUILTIN_DATA_FILE,
    BUILTIN_HYPERPARAMETERS,
    BUILTIN_METRICS,
    JUMPSTART_METRICS,
    UNTUNABLE_ALGORITHMS,
    XGBOOST_METRICS,
    _image_groups,
)
from tests.construct_support import job, new_stack, training
from tests.request_support import ROOT_DIR, assert_valid_request

DATA = json.loads((ROOT_DIR / "constructs" / "sagemaker_hpo" / BUILTIN_DATA_FILE).read_text(encoding="utf-8"))
US_EAST_1 = cdk.Environment(account="123456789012", region="us-east-1")

#: us-east-1 training images as the SageMaker Python SDK's image data (sagemaker-core 2.27.0,
#: image_uri_config/<name>.json) gives them: registry account, repository and tag.
SDK_US_EAST_1 = [
    ("linear-learner", "1", "382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1"),
    ("ntm", "1", "382416733822.dkr.ecr.us-east-1.amazonaws.com/ntm:1"),
    ("blazingtext", "1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1"),
    ("object2vec", "1", "382416733822.dkr.ecr.us-east-1.amazonaws.com/object2vec:1"),
    ("image-classification", "1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/image-classification:1"),
    ("object-detection", "1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/object-detection:1"),
    ("semantic-segmentation", "1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/semantic-segmentation:1"),
    ("forecasting-deepar", "1", "522234722520.dkr.ecr.us-east-1.amazonaws.com/forecasting-deepar:1"),
    ("seq2seq", "1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/seq2seq:1"),
    ("kmeans", "1", "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"),
    ("lda", "1", "766337827248.dkr.ecr.us-east-1.amazonaws.com/lda:1"),
    ("xgboost", "1", "811284229777.dkr.ecr.us-east-1.amazonaws.com/xgboost:1"),
    ("xgboost", "0.90-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:0.90-1"),
    ("xgboost", "0.90-2", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:0.90-2"),
    ("xgboost", "1.0-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.0-1"),
    ("xgboost", "1.2-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-1"),
    ("xgboost", "1.2-2", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.2-2"),
    ("xgboost", "1.3-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.3-1"),
    ("xgboost", "1.5-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1"),
    ("xgboost", "1.7-1", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"),
    ("xgboost", "3.0-5", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"),
    ("xgboost", "3.2-0", "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.2-0"),
]
#: The (algorithm, version) pairs a whole job is rendered for: every algorithm once, XGBoost's two repositories.
JOBS = [(n, v) for n, v, _ in SDK_US_EAST_1 if n != "xgboost" or v in ("1", "3.2-0")]
#: A framework training image of the kind JumpStart resolves for these algorithms (any literal URI will do).
FRAMEWORK_IMAGE = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:1.9.0-cpu-py38"


def _objective(metric: str, direction: str | None) -> Objective:
    return Objective.minimize(metric) if direction == "Minimize" else Objective.maximize(metric)


def _documented(name: str) -> tuple[str, str | None]:
    """An algorithm's first documented metric (by name) and its direction."""
    metric, direction = sorted(BUILTIN_METRICS[name][0].items())[0]
    return metric, direction


def _construct_id(name: str, version: str) -> str:
    return "".join(part.capitalize() for part in f"{name}-{version}".replace(".", "-").split("-"))


@pytest.fixture(scope="module")
def builtins() -> dict[str, Any]:
    """One stack in us-east-1 with, per (algorithm, version), a job on a documented objective and one on a near miss."""
    stack = new_stack("Builtins", env=US_EAST_1)
    requests: dict[tuple[str, str], Any] = {}
    for name, version in JOBS:
        metric, direction = _documented(name)
        image = TrainingImage.builtin_algorithm(name, version)
        first, second = _hyperparameters(name)
        definition = training(image=image, static_hyperparameters={first: 10})
        construct_id = _construct_id(name, version)
        ranges = [IntegerRange(second, 10, 100)]
        made = job(stack, construct_id, objective=_objective(metric, direction), parameter_ranges=ranges,
                   training=definition)  # fmt: skip
        job(stack, construct_id + "Typo", objective=_objective(metric[:-1], direction), parameter_ranges=ranges,
            training=definition)  # fmt: skip
        requests[(name, version)] = stack.resolve(made.request)
    for name, version, _ in SDK_US_EAST_1:  # the other versions: their image alone
        if (name, version) not in requests:
            image = TrainingImage.builtin_algorithm(name, version).bind(
                Construct(stack, _construct_id(name, version)), None
            )
            requests[(name, version)] = {"image": stack.resolve(image.image_uri)}
    warnings = Annotations.from_stack(stack).find_warning(
        "*", Match.string_like_regexp("HPO-METRIC-003|HPO-ALGO-00[12]")
    )
    return {"warnings": {w.id: w.entry.data for w in warnings}, "requests": requests}


def _hyperparameters(name: str) -> tuple[str, str]:
    """Two hyperparameters the algorithm's page lists (XGBoost: two of its table)."""
    if name == "xgboost":
        return "num_round", "max_depth"
    first, second = sorted(BUILTIN_HYPERPARAMETERS[name][0])[:2]
    return first, second


def _image_uri(request: dict[str, Any]) -> str:
    """The training image a request names, its ``Fn::Sub`` expanded for us-east-1."""
    image = request.get("image") or request["TrainingJobDefinition"]["AlgorithmSpecification"]["TrainingImage"]
    text: str = image["Fn::Sub"]
    return text.replace("${AWS::Region}", "us-east-1").replace("${AWS::URLSuffix}", "amazonaws.com")


def test_the_shipped_data_holds_every_algorithm_with_its_documented_metrics() -> None:
    algorithms = DATA["algorithms"]
    assert set(algorithms) == set(BUILTIN_METRICS)
    for name, (metrics, page) in BUILTIN_METRICS.items():
        assert algorithms[name]["metrics"] == dict(sorted(metrics.items()))
        assert algorithms[name]["metrics_source"] == page
        for group in algorithms[name]["images"]:
            assert {"us-east-1", "eu-west-1", "ap-southeast-2"} <= set(group["registries"])
    assert set(algorithms["xgboost"]["metrics"]) == XGBOOST_METRICS
    assert algorithms["linear-learner"]["metrics"]["validation:objective_loss"] == "Minimize"
    assert algorithms["seq2seq"]["metrics"]["validation:bleu"] == "Maximize"
    jumpstart = DATA["jumpstart"]["algorithms"]
    assert set(jumpstart) == set(JUMPSTART_METRICS)
    assert jumpstart["lightgbm"]["metrics"]["rmse"] == {"direction": "Minimize", "regex": r"rmse: ([0-9\.]+)"}
    assert DATA["untunable"] == UNTUNABLE_ALGORITHMS


@pytest.mark.parametrize(("name", "version", "expected"), SDK_US_EAST_1)
def test_each_algorithm_and_version_pulls_the_sdks_image(
    builtins: dict[str, Any], name: str, version: str, expected: str
) -> None:
    assert _image_uri(builtins["requests"][(name, version)]) == expected


@pytest.mark.parametrize(("name", "version"), JOBS)
def test_a_documented_objective_is_accepted_and_a_near_miss_flagged_with_a_did_you_mean(
    builtins: dict[str, Any], name: str, version: str
) -> None:
    metric, _ = _documented(name)
    path = f"/Builtins/{_construct_id(name, version)}"
    assert path not in builtins["warnings"]  # neither HPO-METRIC-003 nor HPO-ALGO-001/002
    assert f"did you mean {metric!r}?" in builtins["warnings"][path + "Typo"]


@pytest.mark.parametrize(("name", "version"), JOBS)
def test_each_rendered_request_passes_botocore(builtins: dict[str, Any], name: str, version: str) -> None:
    assert_valid_request(builtins["requests"][(name, version)])


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


def test_an_objective_the_algorithm_does_not_emit_is_flagged() -> None:
    stack = new_stack("KmeansWrong")
    _kmeans_job(stack, "validation:auc")
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("validation:auc"))
    assert warnings


def test_an_unknown_version_is_refused() -> None:
    stack = new_stack("Versions")
    with pytest.raises(ValidationError, match=r"'2'; is not a published knn version; published: 1 \[HPO-IMAGE-002\]"):
        job(stack, "Knn", training=training(image=TrainingImage.builtin_algorithm("knn", "2")))


def test_xgboost_1_is_not_published_where_only_its_framework_versions_are() -> None:
    stack = new_stack("XgbLegacy", env=cdk.Environment(account="123456789012", region="ca-west-1"))
    job(stack, "New", training=training(image=TrainingImage.builtin_algorithm("xgboost", "1.7-1")))
    with pytest.raises(ValidationError, match=r"'ca-west-1'; the built-in xgboost .* \[HPO-IMAGE-002\]"):
        job(stack, "Old", training=training(image=TrainingImage.builtin_algorithm("xgboost", "1")))


def test_an_agnostic_stack_maps_each_repository_of_an_algorithm_once() -> None:
    stack = new_stack("XgbAgnostic")
    for construct_id, version in (("Old", "1"), ("New", "1.7-1"), ("Newer", "3.0-5")):
        job(stack, construct_id, training=training(image=TrainingImage.builtin_algorithm("xgboost", version)))
    mappings = cdk.assertions.Template.from_stack(stack).to_json()["Mappings"]
    assert {key: m["eu-west-1"]["account"] for key, m in mappings.items()} == {
        "SageMakerHpoXgboostRegistries": "141502667606",  # sagemaker-xgboost, as before
        "SageMakerHpoXgboostXgboostRegistries": "685385470294",  # the legacy xgboost repository
    }


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
    (group,) = DATA["algorithms"]["factorization-machines"]["images"]
    assert mapping["us-east-1"] == {"account": group["registries"]["us-east-1"]}
    assert all(key.isalnum() for key in mappings)


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: TrainingImage.builtin_algorithm("pca", "1"), r"'pca'; cannot be tuned: PCA documents no tuning"),
        (lambda: TrainingImage.builtin_algorithm("lightgbm", "1"), r"is a JumpStart algorithm.*jumpstart_algorithm"),
        (lambda: TrainingImage.builtin_algorithm("linear-lerner", "1"), r"did you mean 'linear-learner'\?"),
    ],
    ids=["pca", "jumpstart", "typo"],
)
def test_an_algorithm_without_tuning_metrics_or_registries_is_refused(factory: Any, match: str) -> None:
    with pytest.raises(ValidationError, match=match + r".*\[HPO-IMAGE-001\]"):
        job(new_stack("Refused"), training=training(image=factory()))


# -- JumpStart-based built-ins: the user's framework image, the documented metric definitions ----------------------


def _jumpstart_job(stack: cdk.Stack, name: str, metric: str, direction: str, **image: Any) -> Any:
    return job(
        stack,
        "Js" + _construct_id(name, "x"),
        objective=_objective(metric, direction),
        parameter_ranges=[IntegerRange("epochs", 1, 100)],
        training=training(
            image=TrainingImage.jumpstart_algorithm(name, FRAMEWORK_IMAGE, **image),
            static_hyperparameters={"sagemaker_program": "transfer_learning.py"},
        ),
    )


#: (algorithm, documented metric, its direction, extra image options): the first documented metric of each.
JUMPSTART_CASES = [(name, *sorted(metrics.items())[0]) for name, (metrics, _) in sorted(JUMPSTART_METRICS.items())]


@pytest.fixture(scope="module")
def jumpstart() -> dict[str, Any]:
    stack = new_stack("JumpStart", env=US_EAST_1)
    requests = {}
    for name, metric, (direction, regex) in JUMPSTART_CASES:
        extra = {} if regex else {"metric_definitions": [MetricDefinition(metric, r"val_accuracy: ([0-9.]+)")]}
        requests[name] = stack.resolve(_jumpstart_job(stack, name, metric, direction, **extra).request)
    return requests


@pytest.mark.parametrize(("name", "metric", "fact"), JUMPSTART_CASES)
def test_a_jumpstart_algorithm_runs_the_given_image_with_the_documented_metric_definition(
    jumpstart: dict[str, Any], name: str, metric: str, fact: tuple[str, str | None]
) -> None:
    request = jumpstart[name]
    specification = request["TrainingJobDefinition"]["AlgorithmSpecification"]
    assert specification["TrainingImage"] == FRAMEWORK_IMAGE
    definitions = {d["Name"]: d["Regex"] for d in specification["MetricDefinitions"]}
    assert definitions[metric] == (fact[1] or r"val_accuracy: ([0-9.]+)")
    assert set(definitions) <= set(JUMPSTART_METRICS[name][0])
    assert request["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"] == metric
    assert_valid_request(request)


@pytest.mark.parametrize(("name", "metric", "fact"), JUMPSTART_CASES)
def test_a_jumpstart_objective_it_does_not_document_is_refused_with_a_did_you_mean(
    name: str, metric: str, fact: tuple[str, str | None]
) -> None:
    stack = new_stack("JumpStartWrong")
    typo = metric[:-1]
    definitions = [MetricDefinition(typo, r"x=([0-9.]+)")]  # defined, so only the documented list refuses it
    with pytest.raises(ValidationError, match=rf"is not a metric {name} documents .*did you mean {metric!r}\? "
                       r"\[HPO-METRIC-013\]"):  # fmt: skip
        _jumpstart_job(stack, name, typo, fact[0], metric_definitions=definitions)


def test_a_jumpstart_objective_without_a_definition_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"HPO-METRIC-002"):
        _jumpstart_job(new_stack("IcTf"), "image-classification-tensorflow", "validation:accuracy", "Maximize")


@pytest.mark.parametrize(
    ("name", "match"),
    [("autogluon-tabular", "AutoGluon-Tabular documents no tuning metrics"), ("lightgbn", "did you mean 'lightgbm'")],
)
def test_an_unknown_or_untunable_jumpstart_algorithm_is_refused(name: str, match: str) -> None:
    with pytest.raises(ValidationError, match=match + r".*\[HPO-IMAGE-003\]"):
        _jumpstart_job(new_stack("JsRefused"), name, "rmse", "Minimize")


def test_the_generator_groups_versions_by_repository_and_registries() -> None:
    legacy, current = {"us-east-1": "811284229777"}, {"us-east-1": "683313688378", "eu-west-1": "141502667606"}
    versions = {
        "1": {"repository": "xgboost", "registries": legacy},
        "1.7-1": {"repository": "sagemaker-xgboost", "registries": current, "py_versions": ["py3"]},
        "3.0-5": {"repository": "sagemaker-xgboost", "registries": dict(reversed(current.items()))},
    }
    assert _image_groups(versions) == [
        {"repository": "xgboost", "versions": ["1"], "registries": legacy},
        {
            "repository": "sagemaker-xgboost",
            "versions": ["1.7-1", "3.0-5"],
            "registries": dict(sorted(current.items())),
        },
    ]


@pytest.mark.parametrize(
    ("image", "static", "expected"),
    [
        (lambda: TrainingImage.builtin_algorithm("linear-learner", "1"), {"predictor_typ": "regressor"},
         "'predictor_typ' is not a hyperparameter built-in linear-learner accepts; did you mean 'predictor_type'?"),
        (lambda: TrainingImage.jumpstart_algorithm("lightgbm", FRAMEWORK_IMAGE), {"num_leafs": 31, "sagemaker_program": "train.py"},
         "'num_leafs' is not a hyperparameter built-in lightgbm accepts; did you mean 'num_leaves'?"),
    ],
    ids=["linear-learner", "lightgbm"],
)  # fmt: skip
def test_a_hyperparameter_the_algorithms_page_does_not_list_is_flagged(image: Any, static: Any, expected: str) -> None:
    stack = new_stack("Hyperparameters")
    job(stack, objective=Objective.minimize("rmse" if "lightgbm" in expected else "validation:mse"),
        parameter_ranges=[IntegerRange("mini_batch_size", 100, 5000)] if "linear" in expected else
        [IntegerRange("num_leaves", 10, 100)],
        training=training(image=image(), static_hyperparameters=static))  # fmt: skip
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("HPO-ALGO-002"))
    assert [w.entry.data.split(": ", 1)[1].split(" (")[0] for w in warnings] == [expected]


def test_a_built_in_algorithm_outside_its_regions_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"^Elsewhere/Tuning: invalid training.image: 'xx-nowhere-1'; the built"):
        job(new_stack("Elsewhere", env=cdk.Environment(region="xx-nowhere-1")), "Tuning")
    job(new_stack("Home", env=cdk.Environment(region="eu-west-1")), "Tuning")  # published there: no error
