"""The rules of ``sagemaker_hpo.rules.types`` (HPO-TYPE): their cases, keyed by rule id, each run as a tuning job at
synth time (``tests/rules/cases.py``)."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from sagemaker_hpo import (
    Bayesian,
    Hyperband,
    InputMode,
    S3Input,
    TrainingImage,
    ValidationError,
)
from tests.construct_support import new_stack, training
from tests.rules.cases import Overrides, accepts, rejects

FAILING: list[tuple[str, Overrides, str]] = [
    # typed props
    ("HPO-TYPE-001", lambda s: {"strategy": Hyperband}, r"strategy: 'Hyperband'.*did you mean Hyperband\(\)\?"),
    ("HPO-TYPE-001:bayesian", lambda s: {"strategy": Bayesian}, r"did you mean Bayesian\(\)\?"),
    (
        "HPO-TYPE-002:max-runtime-str",
        lambda s: {"max_runtime": "2h"},
        r"^Rules/Tuning: max_runtime: expected a Duration \(e.g. Duration.hours\(2\)\), got str '2h'",
    ),
    (
        "HPO-TYPE-002:max-runtime-int",
        lambda s: {"max_runtime": 7200},
        r"max_runtime: expected a Duration.*got int 7200",
    ),
    (
        "HPO-TYPE-002:volume-size-int",
        lambda s: {"training": training(volume_size=50)},
        r"training.volume_size: expected a Size \(e.g. Size.gibibytes\(50\)\), got int 50",
    ),
    (
        "HPO-TYPE-002:objective-str",
        lambda s: {"objective": "validation:auc"},
        r"objective: expected an Objective \(e.g. Objective.maximize\('validation:auc'\)\), got str",
    ),
    (
        "HPO-TYPE-002:training-runtime",
        lambda s: {"training": training(max_runtime="1d")},
        r"training.max_runtime: expected a Duration",
    ),
    (
        "HPO-TYPE-002:range",
        lambda s: {"parameter_ranges": [("eta", 0, 1)]},
        r"parameter_ranges\[0\]: expected a ContinuousRange, IntegerRange or CategoricalRange, got tuple",
    ),
    (
        "HPO-TYPE-002:input-mode",
        lambda s: {"training": training(input_mode="File")},
        r"training.input_mode: expected a InputMode \(e.g. InputMode.FILE\), got str 'File'",
    ),
    (
        "HPO-TYPE-002:content-type",
        lambda s: {"training": training(inputs={"train": S3Input.from_uri("s3://my-data/t/", content_type=5)})},
        r"training.inputs\['train'\].content_type: expected a string, got int 5",
    ),
    ("HPO-TYPE-002:max-jobs", lambda s: {"max_jobs": "20"}, r"max_jobs: expected an integer, got str '20'"),
    ("HPO-TYPE-002:tags", lambda s: {"tags": {"team": 1}}, r"tags: expected a dict of str to str"),
    (
        "HPO-TYPE-003:runtime",
        lambda s: {"training": training(max_runtime=cdk.Duration.millis(1500))},
        r"training.max_runtime: '1.5 seconds'.*whole number of seconds",
    ),
    (
        "HPO-TYPE-003:volume",
        lambda s: {"training": training(volume_size=cdk.Size.mebibytes(500))},
        r"training.volume_size: '0.488281 GiB'.*whole number of GiB",
    ),
]
PASSING: list[tuple[str, Overrides]] = [
    ("HPO-TYPE-001", lambda s: {"strategy": Hyperband(min_resource=10, max_resource=100)}),
    (
        "HPO-TYPE-002",
        lambda s: {
            "max_runtime": cdk.Duration.hours(2),
            "tags": {"team": "ml"},
            "training": training(volume_size=cdk.Size.gibibytes(50), input_mode=InputMode.FILE),
        },
    ),
    (
        "HPO-TYPE-003",
        lambda s: {"training": training(max_runtime=cdk.Duration.millis(2000), volume_size=cdk.Size.mebibytes(2048))},
    ),
]

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)


def test_value_factories_check_their_arguments() -> None:
    from sagemaker_hpo import S3Location

    with pytest.raises(ValidationError, match=r"S3Location.from_uri: uri: expected an s3:// URI string, got int 5"):
        S3Location.from_uri(5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"S3Location.from_bucket: bucket: expected an s3.IBucket"):
        S3Location.from_bucket("my-bucket")  # type: ignore[arg-type]
    with pytest.raises(
        ValidationError, match=r"TrainingImage.builtin_algorithm: version: expected a string.*got float"
    ):
        TrainingImage.builtin_algorithm("xgboost", 1.7)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"TrainingImage.from_ecr_repository: repository: expected an ecr.IRepo"):
        TrainingImage.from_ecr_repository("my-training")  # type: ignore[arg-type]


def test_gpu_training_image_checks_its_prop_types() -> None:
    from sagemaker_hpo import GpuTrainingImage

    stack = new_stack("Gpu")
    with pytest.raises(
        ValidationError, match=r"^Gpu/Image: metric_definitions\[0\]: expected a MetricDefinition.*\[HPO-TYPE-002\]"
    ):
        GpuTrainingImage(stack, "Image", metric_definitions=[("validation:accuracy", "acc=(.*)")])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match=r"^Gpu/Other: build_args: expected a dict of str to str, got dict"):
        GpuTrainingImage(stack, "Other", build_args={"N": 1})  # type: ignore[dict-item]
