"""GpuTrainingImage: the packaged GPU training folder as a Docker image asset with its metric definitions."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from sagemaker_hpo import ContinuousRange, Hyperband, MetricDefinition, Objective, TrainingDefinition, TuningJob
from sagemaker_hpo._validation import ValidationError
from sagemaker_hpo.gpu_image import PACKAGED_DIRECTORY, GpuTrainingImage, load_metric_definitions

PROGRAM_FILES = {"Dockerfile", ".dockerignore", "train.py", "metrics.json", "benchmark.py"}


def synth(stack: cdk.Stack) -> tuple[dict[str, Any], Path]:
    """Synthesize the stack's app; return the stack's asset manifest and the cloud assembly folder."""
    assembly = cdk.App.of(stack).synth()  # type: ignore[union-attr]
    outdir = Path(assembly.directory)
    manifest = json.loads((outdir / f"{stack.artifact_id}.assets.json").read_text())
    return manifest, outdir


@pytest.fixture
def stack(tmp_path: Path) -> cdk.Stack:
    return cdk.Stack(cdk.App(outdir=str(tmp_path / "cdk.out")), "GpuStack")


def test_packaged_image_is_staged_as_a_linux_amd64_docker_asset(stack: cdk.Stack) -> None:
    image = GpuTrainingImage(stack, "Gpu")
    Template.from_stack(stack)  # synthesizes without error
    manifest, outdir = synth(stack)
    docker_images = manifest["dockerImages"]
    assert len(docker_images) == 1
    (asset_hash, entry), *_ = docker_images.items()
    assert entry["source"]["platform"] == "linux/amd64"
    assert asset_hash == image.asset.asset_hash
    staged = outdir / entry["source"]["directory"]
    # Only the program files reach the build context (and the asset hash): not the README, converter or tests.
    assert {p.name for p in staged.iterdir()} == PROGRAM_FILES
    assert (staged / "metrics.json").read_text() == (PACKAGED_DIRECTORY / "metrics.json").read_text()
    # The stack's synthesizer publishes it to the bootstrap container-assets repository.
    destination = next(iter(entry["destinations"].values()))
    assert "container-assets" in destination["repositoryName"]


def test_asset_path_does_not_depend_on_the_working_directory(
    stack: cdk.Stack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = GpuTrainingImage(stack, "Gpu")
    other = cdk.Stack(cdk.App(outdir=str(tmp_path / "other.out")), "Other")
    monkeypatch.chdir(PACKAGED_DIRECTORY)
    second = GpuTrainingImage(other, "Gpu")
    assert first.asset.asset_hash == second.asset.asset_hash


def test_metric_definitions_equal_metrics_json(stack: cdk.Stack) -> None:
    image = GpuTrainingImage(stack, "Gpu")
    expected = json.loads((PACKAGED_DIRECTORY / "metrics.json").read_text())
    assert [{"name": d.name, "regex": d.regex} for d in image.metric_definitions] == expected
    assert image.metric_definitions == load_metric_definitions()
    assert isinstance(image.metric_definitions, tuple)
    assert {"train:loss", "validation:loss", "validation:accuracy"} <= {d.name for d in image.metric_definitions}
    assert image.training_image.metric_definitions == image.metric_definitions


def test_training_image_points_at_the_asset_and_grants_pull(stack: cdk.Stack) -> None:
    image = GpuTrainingImage(stack, "Gpu")
    job = TuningJob(
        stack,
        "Job",
        strategy=Hyperband(min_resource=1, max_resource=30),
        objective=Objective.maximize("validation:accuracy"),
        parameter_ranges=[ContinuousRange("learning_rate", 1e-6, 0.1)],
        max_jobs=4,
        max_parallel_jobs=2,
        training=TrainingDefinition(
            image=image.training_image,
            inputs={"train": "s3://my-data/cifar10/train/", "validation": "s3://my-data/cifar10/validation/"},
            output_path="s3://my-data/output/",
            instance_type="ml.g4dn.xlarge",
            static_hyperparameters={"workload": "resnet20", "epochs": 30},
        ),
    )
    assert job is not None
    template = json.dumps(Template.from_stack(stack).to_json())
    assert image.asset.asset_hash in template  # the training image URI is the asset's image
    assert "ecr:BatchGetImage" in template
    for definition in image.metric_definitions:
        assert json.dumps(definition.regex)[1:-1] in template, definition.name


def test_custom_folder_without_metrics_json_fails_naming_the_construct(stack: cdk.Stack, tmp_path: Path) -> None:
    folder = tmp_path / "my_image"
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.12-slim\n")
    with pytest.raises(ValidationError) as caught:
        GpuTrainingImage(stack, "Custom", directory=str(folder))
    message = str(caught.value)
    assert message.startswith("GpuStack/Custom: invalid metric_definitions")
    assert "metrics.json" in message and str(folder) in message


def test_custom_folder_with_explicit_definitions_and_build_args(stack: cdk.Stack, tmp_path: Path) -> None:
    folder = tmp_path / "my_image"
    folder.mkdir()
    (folder / "Dockerfile").write_text("ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n")
    definitions = [MetricDefinition("validation:f1", r"f1=([0-9.]+)")]
    image = GpuTrainingImage(
        stack, "Custom", directory=str(folder), build_args={"BASE_IMAGE": "x:1"}, metric_definitions=definitions
    )
    assert image.metric_definitions == tuple(definitions)
    manifest, _ = synth(stack)
    (entry,) = manifest["dockerImages"].values()
    assert entry["source"]["dockerBuildArgs"] == {"BASE_IMAGE": "x:1"}


def test_custom_folder_with_its_own_metrics_json(stack: cdk.Stack, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(PACKAGED_DIRECTORY, folder)
    (folder / "metrics.json").write_text(json.dumps([{"name": "validation:accuracy", "regex": "acc=([0-9.]+)"}]))
    (folder / "metrics-sample.log").write_text("epoch 1: acc=0.51\n")
    image = GpuTrainingImage(stack, "Copy", directory=str(folder))
    assert image.metric_definitions == (MetricDefinition("validation:accuracy", "acc=([0-9.]+)"),)
    assert image.sample_log_lines == ("epoch 1: acc=0.51",)


def test_regexes_are_tried_on_the_folders_sample_log_lines(stack: cdk.Stack, tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(PACKAGED_DIRECTORY, folder)
    (folder / "metrics.json").write_text(json.dumps([{"name": "validation:accuracy", "regex": "acc=([0-9.]+)"}]))
    with pytest.raises(ValidationError, match=r"^GpuStack/Copy: invalid metric_definitions\[0\].regex.*reads no num"):
        GpuTrainingImage(stack, "Copy", directory=str(folder))  # the packaged sample prints validation:accuracy=
    (folder / "metrics-sample.log").unlink()
    GpuTrainingImage(stack, "NoSamples", directory=str(folder))  # nothing to try the regex on: accepted


def test_catastrophic_regexes_are_refused(stack: cdk.Stack, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(ValidationError, match=r"nested quantifiers.*\[HPO-METRIC-010\]"):
        GpuTrainingImage(stack, "Slow", directory=str(tmp_path), metric_definitions=[MetricDefinition("a", "(a+)+$")])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[]", "non-empty JSON list"),
        ('[{"name": "a"}]', "invalid metrics.json[0]: {'name': 'a'}; must be an object with the string keys name and"),
        (
            '[{"name": "a", "regex": "(x)"}, {"name": "a", "regex": "(y)"}]',
            "metrics.json: ['a']; duplicate metric names",
        ),
        ('[{"name": "a", "regex": "no group"}]', "must have exactly one capture group"),
        ("{", "not valid JSON"),
    ],
)
def test_bad_metrics_json_fails_naming_the_construct(
    stack: cdk.Stack, tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "metrics.json").write_text(content)
    with pytest.raises(ValidationError, match="^GpuStack/Bad: ") as caught:
        GpuTrainingImage(stack, "Bad", directory=str(tmp_path))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("content", "field"),
    [("[]", "metrics.json"), ('[{"name": "a"}]', "metrics.json[0]"), ("{", "metrics.json")],
)
def test_load_metric_definitions_raises_a_validation_error_naming_file_and_entry(
    tmp_path: Path, content: str, field: str
) -> None:
    (tmp_path / "metrics.json").write_text(content)
    with pytest.raises(ValidationError) as caught:
        load_metric_definitions(tmp_path)
    assert (caught.value.path, caught.value.field) == (str(tmp_path / "metrics.json"), field)


def test_folder_without_dockerfile_fails(stack: cdk.Stack, tmp_path: Path) -> None:
    with pytest.raises(
        ValidationError, match="GpuStack/NoDocker: invalid directory.*must be a folder with a Dockerfile"
    ):
        GpuTrainingImage(stack, "NoDocker", directory=str(tmp_path))


def test_props_are_keyword_only(stack: cdk.Stack) -> None:
    with pytest.raises(TypeError):
        GpuTrainingImage(stack, "Gpu", str(PACKAGED_DIRECTORY))  # type: ignore[misc]


# -- the HPO-IMAGE rules of a folder (tests/test_rules_registry.py reads the ids below) ------------------------------

#: A folder's mistakes: (files written, props, rule id, field).
FOLDER_CASES: list[tuple[dict[str, str], dict[str, Any], str, str]] = [
    ({}, {}, "HPO-IMAGE-004", "directory"),
    ({"Dockerfile": "FROM scratch\n"}, {}, "HPO-IMAGE-005", "metric_definitions"),
    ({"Dockerfile": "FROM scratch\n"}, {"metric_definitions": []}, "HPO-IMAGE-005", "metric_definitions"),
    ({"Dockerfile": "FROM scratch\n", "metrics.json": "[]"}, {}, "HPO-IMAGE-006", "metric_definitions"),
]
#: Each rule id with a failing case above.
FAILING_RULE_IDS = {rule_id for _, _, rule_id, _ in FOLDER_CASES}
#: Each rule id with a passing case: a folder with a Dockerfile and a good metrics.json passes them all.
PASSING_RULE_IDS = {"HPO-IMAGE-004", "HPO-IMAGE-005", "HPO-IMAGE-006"}


@pytest.mark.parametrize(
    ("files", "props", "rule_id", "field"), FOLDER_CASES, ids=[f"{c[2]}:{i}" for i, c in enumerate(FOLDER_CASES)]
)
def test_each_folder_mistake_is_a_validation_error_with_its_rule_id(
    stack: cdk.Stack, tmp_path: Path, files: dict[str, str], props: dict[str, Any], rule_id: str, field: str
) -> None:
    folder = tmp_path / "image"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    with pytest.raises(ValidationError) as raised:
        GpuTrainingImage(stack, "Bad", directory=str(folder), **props)
    assert (raised.value.path, raised.value.field, raised.value.rule_id) == ("GpuStack/Bad", field, rule_id)
    assert str(raised.value).endswith(f"[{rule_id}]") and str(raised.value).count(f"[{rule_id}]") == 1


def test_a_folder_that_passes_every_image_rule(stack: cdk.Stack, tmp_path: Path) -> None:
    folder = tmp_path / "image"  # beside the app's cdk.out, not around it
    folder.mkdir()
    (folder / "Dockerfile").write_text("FROM scratch\n")
    (folder / "metrics.json").write_text(json.dumps([{"name": "loss", "regex": "loss=([0-9.]+)"}]))
    image = GpuTrainingImage(stack, "Good", directory=str(folder))
    assert [d.name for d in image.metric_definitions] == ["loss"]
    given = GpuTrainingImage(stack, "Given", directory=str(folder), metric_definitions=[MetricDefinition("a", "a=(.)")])
    assert [d.name for d in given.metric_definitions] == ["a"]


def test_load_metric_definitions_without_the_file_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as raised:
        load_metric_definitions(tmp_path)
    assert (raised.value.path, raised.value.rule_id) == (str(tmp_path / "metrics.json"), "HPO-IMAGE-005")
    (tmp_path / "metrics.json").write_text("{")
    with pytest.raises(ValidationError) as raised:
        load_metric_definitions(tmp_path)
    assert raised.value.rule_id == "HPO-IMAGE-006"
