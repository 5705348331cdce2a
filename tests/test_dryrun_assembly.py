"""The dry run on the default app's real cloud assembly: job selection by construct path, images, built-ins.

The app is synthesized in-process once per test session (``tests.platform_apps.default_app``, shared with the other
suites), into a temporary folder: the same files ``make synth`` writes to cdk.out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_hpo.dryrun.assembly import Assembly, AssemblyError, read_assembly
from sagemaker_hpo.dryrun.builtin import builtin_findings
from sagemaker_hpo.dryrun.cli import main
from sagemaker_hpo.gpu_image import PACKAGED_DIRECTORY
from tests.platform_apps import default_app


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    synthesized = default_app()
    return read_assembly(Path(synthesized.app.outdir))


def test_every_tuning_job_of_the_default_app_is_found(assembly: Assembly) -> None:
    assert sorted(j.path for j in assembly.jobs) == [
        "MlpHyperband/MlpTuning",
        "Resnet20Hyperband/Resnet20Tuning",
        "XgboostHyperband/XgbTuning",
    ]


def test_the_mlp_job_is_selected_by_construct_path_and_runs_the_packaged_program(assembly: Assembly) -> None:
    job = assembly.select("MlpHyperband/MlpTuning")
    spec = job.spec()
    assert (spec.strategy, spec.objective_name, spec.objective_type) == ("Hyperband", "validation:accuracy", "Maximize")
    assert (spec.min_resource, spec.max_resource, spec.max_jobs, spec.max_parallel_jobs) == (1, 50, 50, 5)
    assert spec.target_value == 0.96
    assert {r.name for r in spec.ranges} == {"units_per_layer", "learning_rate", "l2_regularization", "batch_size"}
    assert [d.name for d in spec.metric_definitions] == ["train:loss", "validation:loss", "validation:accuracy"]
    # The image is the platform's: an SSM parameter of the HpoPlatform stack whose value names the Docker asset.
    source = assembly.program_source(job)
    assert source.kind == "directory" and source.directory is not None
    for name in ("Dockerfile", "train.py", "metrics.json"):
        assert (source.directory / name).read_bytes() == (PACKAGED_DIRECTORY / name).read_bytes()


def test_a_prefix_of_the_path_selects_the_job_and_an_unknown_one_lists_them(assembly: Assembly) -> None:
    assert assembly.select("Resnet20Hyperband").path == "Resnet20Hyperband/Resnet20Tuning"
    with pytest.raises(AssemblyError) as raised:
        assembly.select("MlpHyperband/Nope")
    assert "MlpHyperband/MlpTuning  (Hyperband, Maximize validation:accuracy" in str(raised.value)


def test_the_xgboost_job_is_a_builtin_checked_without_running(assembly: Assembly, tmp_path: Path) -> None:
    job = assembly.select("XgboostHyperband/XgbTuning")
    source = assembly.program_source(job)
    assert (source.kind, source.builtin_algorithm) == ("image", "xgboost")
    findings = builtin_findings(job.spec(), source.builtin_algorithm, source.uri)
    assert [f.severity for f in findings] == ["info"]  # the published sample is valid for XGBoost
    code = main(["dry-run", "--app", str(assembly.directory), "--job", "XgbTuning", "--out", str(tmp_path), "--quiet"])
    report = json.loads((tmp_path / "report.json").read_text())
    assert code == 0 and report["search"] is None and report["program"]["builtin_algorithm"] == "xgboost"
    assert report["checks"]["budget"]["instance_hours_ceiling"] == 480.0  # 20 jobs x 1 x 86,400 s
    # In dollars from the shipped on-demand table, and the default 1-day runtime behind that ceiling is flagged.
    price = report["checks"]["budget"]["price"]["usd_per_instance_hour"]
    assert report["checks"]["budget"]["cost_ceiling_usd"] == round(480 * price, 2)
    (warning,) = [f for f in report["checks"]["findings"] if f["severity"] == "warning"]
    assert (
        warning["check"] == "budget" and "may run 1 day (MaxRuntimeInSeconds 86400, the default)" in warning["message"]
    )


def test_the_platform_gpu_image_convention_is_the_platforms() -> None:
    from sagemaker_hpo.dryrun.assembly import PACKAGED_GPU_IMAGE_DIRECTORY, PLATFORM_GPU_IMAGE_PARAMETER_SUFFIX
    from sagemaker_hpo.parameter_schema import IMAGE_URI
    from sagemaker_hpo.platform import GPU_IMAGE_NAME

    assert PLATFORM_GPU_IMAGE_PARAMETER_SUFFIX == "/" + IMAGE_URI.key.format(name=GPU_IMAGE_NAME)
    assert PACKAGED_GPU_IMAGE_DIRECTORY == PACKAGED_DIRECTORY
