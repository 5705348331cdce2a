"""docs/api-coverage.md is current, and every path it calls a typed prop is rendered by a prop: jobs that set every
typed prop render requests that hold each such path and pass botocore's validation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Template

from sagemaker_hpo import (
    AutoParameter,
    Bayesian,
    CategoricalRange,
    CompletionCriteria,
    CompressionType,
    ContinuousRange,
    FileSystemInput,
    Hyperband,
    InputMode,
    InstanceConfig,
    IntegerRange,
    Objective,
    OutputCompression,
    RecordWrapping,
    S3DataType,
    S3Input,
    S3Location,
    TrainingImage,
    TuningDefinition,
    WarmStart,
    api_coverage,
)
from sagemaker_hpo._contract import contract
from sagemaker_hpo.rules.request_model import member_paths
from tests.construct_support import XGB_RANGES, custom_training, job, new_stack, training
from tests.request_support import ROOT_DIR, assert_valid_request, filled

#: The issue's target: typed props for at least this many of the 111 folded leaves.
TYPED_LEAVES_AT_LEAST = 95


def _paths(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict) and not (len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref"))):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path
            yield from _paths(item, path)
    elif isinstance(value, list):
        for item in value:
            yield from _paths(item, prefix)


@pytest.fixture(scope="module")
def requests() -> list[dict[str, Any]]:
    """Requests of jobs that, together, set every typed prop."""
    return coverage_requests()


def coverage_requests() -> list[dict[str, Any]]:
    """Requests of jobs that, together, set every typed prop (the four requests, then the job names)."""
    stack = new_stack("Coverage", env=cdk.Environment(account="123456789012", region="us-east-1"))
    vpc = ec2.Vpc(
        stack,
        "Vpc",
        max_azs=2,
        nat_gateways=0,
        subnet_configuration=[ec2.SubnetConfiguration(name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)],
    )
    key = kms.Key(stack, "Key")
    manifest = S3Input(
        S3Location.from_uri("s3://my-data/train.manifest"),
        content_type="application/x-recordio-protobuf",
        input_mode=InputMode.PIPE,
        data_type=S3DataType.AUGMENTED_MANIFEST_FILE,
        attribute_names=["source-ref", "label"],
        shuffle_seed=7,
        record_wrapping=RecordWrapping.RECORD_IO,
    )
    model = S3Input(
        S3Location.from_uri("s3://my-data/model/"),
        compression=CompressionType.GZIP,
        input_mode=InputMode.PIPE,  # Gzip is read in Pipe mode only (HPO-DATA-008)
        accept_eula=True,
        hub_content_arn="arn:aws:sagemaker:us-east-1:aws:hub-content/SageMakerPublicHub/Model/m/1.0.0",
    )
    everything = job(
        stack,
        "Everything",
        tuning_job_name="coverage-everything",
        tags={"team": "ml"},
        max_runtime=cdk.Duration.hours(2),
        random_seed=42,
        strategy=Hyperband(min_resource=10, max_resource=100),
        completion_criteria=CompletionCriteria(
            target_objective_value=0.99, max_jobs_not_improving=5, complete_on_convergence=True
        ),
        warm_start=WarmStart(parents=["an-earlier-job"]),
        parameter_ranges=[*XGB_RANGES, CategoricalRange("booster", ["gbtree", "dart"])],
        training=training(
            inputs={
                "train": manifest,
                "validation": FileSystemInput.fsx_lustre("fs-0123abcd", "/fsx/validation", content_type="text/csv"),
                "model": model,
            },
            instance_type="ml.m5.xlarge",
            training_plan_arn="arn:aws:sagemaker:us-east-1:123456789012:training-plan/reserved-m5",
            use_spot_instances=True,
            max_wait=cdk.Duration.days(2),
            checkpoint_path="s3://my-data/checkpoints/",
            checkpoint_local_path="/opt/ml/ckpt",
            retry_attempts=2,
            output_compression=OutputCompression.NONE,
            environment={"LOG_LEVEL": "info"},
            vpc=vpc,
            enable_network_isolation=True,
            enable_inter_container_traffic_encryption=True,
            volume_kms_key=key,
            output_kms_key=key,
            input_mode=InputMode.FILE,
            metric_definitions=[],
        ),
    )
    several = job(
        stack,
        "Several",
        objective=None,
        training=None,
        parameter_ranges=(),
        strategy=Bayesian(early_stopping=True),
        autotune=True,
        definitions=[
            TuningDefinition(
                "xgb",
                training=training(
                    instance_type=None,
                    instance_configs=[
                        InstanceConfig("ml.m5.xlarge"),
                        InstanceConfig("ml.c5.2xlarge", count=1, volume_size=cdk.Size.gibibytes(50)),
                    ],
                    volume_kms_key=key,  # every type here has EBS volumes (HPO-TRAIN-015)
                ),
                objective=Objective.maximize("validation:auc"),
                parameter_ranges=XGB_RANGES,
                auto_parameters=[AutoParameter("gamma", "1")],
            ),
            TuningDefinition(
                "custom",
                training=custom_training(stack),
                objective=Objective.maximize("validation:accuracy"),
                parameter_ranges=[
                    ContinuousRange("lr", 0.001, 0.1),
                    IntegerRange("layers", 1, 4),
                    CategoricalRange("optimizer", ["adam", "sgd"]),
                ],
            ),
            TuningDefinition(
                "marketplace",
                training=training(image=TrainingImage.from_algorithm("my-algorithm", metric_names=["validation:auc"])),
                objective=Objective.maximize("validation:auc"),
                parameter_ranges=[ContinuousRange("eta", 0.01, 0.3)],
            ),
        ],
    )
    auto = job(stack, "Auto", autotune=True, strategy=Bayesian(), auto_parameters=[AutoParameter("gamma", "0.1")])
    # One instance config: HyperParameterTuningResourceConfig's single form (InstanceType, InstanceCount, ...).
    single = job(
        stack,
        "Single",
        training=training(
            instance_type=None,
            instance_configs=[InstanceConfig("ml.m5.2xlarge", count=2, volume_size=cdk.Size.gibibytes(40))],
            volume_kms_key=key,
        ),
    )
    # The job name travels beside the request (the handler adds it): read it from the template.
    resources = Template.from_stack(stack).to_json()["Resources"]
    names = [r["Properties"].get(contract.PROP_TUNING_JOB_NAME) for r in resources.values()]
    named = [{"HyperParameterTuningJobName": name} for name in names if name]
    return [stack.resolve(j.request) for j in (everything, several, auto, single)] + named


def test_every_rendered_request_passes_botocores_validation(requests: list[dict[str, Any]]) -> None:
    rendered = [request for request in requests if "HyperParameterTuningJobConfig" in request]
    assert len(rendered) == 4
    for request in rendered:
        assert_valid_request(request)


def test_one_instance_config_renders_the_single_form_and_several_render_instance_configs(
    requests: list[dict[str, Any]],
) -> None:
    single = requests[3]["TrainingJobDefinition"]["HyperParameterTuningResourceConfig"]
    assert single == {
        "InstanceType": "ml.m5.2xlarge",
        "InstanceCount": 2,
        "VolumeSizeInGB": 40,
        "VolumeKmsKeyId": single["VolumeKmsKeyId"],
    }
    assert "ResourceConfig" not in requests[3]["TrainingJobDefinition"]
    fallback = requests[1]["TrainingJobDefinitions"][0]["HyperParameterTuningResourceConfig"]
    assert fallback["AllocationStrategy"] == "Prioritized"
    assert [c["InstanceType"] for c in fallback["InstanceConfigs"]] == ["ml.m5.xlarge", "ml.c5.2xlarge"]
    assert not {"InstanceType", "InstanceCount", "VolumeSizeInGB"} & set(fallback)


def test_every_path_called_typed_is_rendered_by_the_props(requests: list[dict[str, Any]]) -> None:
    rendered = {api_coverage.fold(path) for request in requests for path in _paths(filled(request))}
    missing = sorted(path for path in api_coverage.TYPED if path not in rendered)
    assert not missing, f"paths api_coverage.TYPED claims but no prop rendered: {missing}"


def test_the_typed_props_cover_the_target_share_of_leaves() -> None:
    leaves = [row for row in api_coverage.rows() if row.path.leaf]
    assert len(leaves) == 111
    typed = [row for row in leaves if row.how == "prop"]
    assert len(typed) >= TYPED_LEAVES_AT_LEAST
    known = {p.path for p in member_paths()}
    assert set(api_coverage.TYPED) <= known and set(api_coverage.OWNED) <= known
    assert set(api_coverage.LEFT_TO_OVERRIDE) <= known and set(api_coverage.READ_ONLY) <= known
    assert {row.path.path for row in leaves if row.how == "read-only"} == set(api_coverage.READ_ONLY)


def test_docs_api_coverage_md_is_current() -> None:
    path = ROOT_DIR / "docs" / "api-coverage.md"
    assert path.read_text(encoding="utf-8") == api_coverage.render(ROOT_DIR), (
        "docs/api-coverage.md is stale: run `make api-coverage` (python -m sagemaker_hpo.api_coverage)"
    )


def test_the_terraform_column_comes_from_the_providers_schema() -> None:
    anchors = api_coverage._anchors(ROOT_DIR / api_coverage.ANCHORS_FILE)
    known = {p.path for p in member_paths()}
    assert set(anchors) == known and all(set(marks) <= {"Y", "-"} for marks in anchors.values())
    terraform = {path: marks[api_coverage.ANCHOR_COLUMNS.index("TF")] for path, marks in anchors.items()}
    # The provider's schema has instance fallback, retries, several definitions and Autotune ...
    for path in (
        "TrainingJobDefinition.HyperParameterTuningResourceConfig.InstanceConfigs.InstanceType",
        "TrainingJobDefinitions.RetryStrategy.MaximumRetryAttempts",
        "Autotune.Mode",
    ):
        assert terraform[path] == "Y", path
    # ... but no dataset source, instance preferences or selected instance.
    assert terraform["TrainingJobDefinition.InputDataConfig.DataSource.DatasetSource.DatasetArn"] == "-"
    assert terraform["TrainingJobDefinition.ResourceConfig.InstancePreferences.InstanceType"] == "-"
    leaves = [row.path.path for row in api_coverage.rows() if row.path.leaf]
    exposed = sum(terraform[path] == "Y" for path in leaves)
    assert f"Terraform exposes {exposed} " in api_coverage.render(ROOT_DIR)
