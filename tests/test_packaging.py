"""The distribution's contents and metadata: what ``python -m build`` puts in the sdist and the wheel."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import tomllib

import sagemaker_hpo

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _package_folders() -> dict[str, Path]:
    """Every package of the distribution, by import name, found on disk (folders holding an ``__init__.py``)."""
    found = {}
    source_root = ROOT / "constructs"
    for init in (source_root / "sagemaker_hpo").rglob("__init__.py"):
        found[".".join(init.parent.relative_to(source_root).parts)] = init.parent
    for init in (ROOT / "lambda").rglob("__init__.py"):
        found[".".join(("sagemaker_hpo", "handlers", *init.parent.relative_to(ROOT / "lambda").parts))] = init.parent
    return found


def test_pyproject_lists_every_package_on_disk() -> None:
    listed = PYPROJECT["tool"]["setuptools"]["packages"]
    assert sorted(listed) == sorted(_package_folders()), "add the package to [tool.setuptools] packages"


def test_runtime_dependencies_are_ranges_and_dev_pins_are_exact() -> None:
    dependencies = PYPROJECT["project"]["dependencies"]
    assert all("==" not in dependency for dependency in dependencies), dependencies
    assert any(d.startswith("aws-cdk-lib>=2.") and d.endswith(",<3") for d in dependencies)
    assert any(d.startswith("constructs>=10.") and d.endswith(",<11") for d in dependencies)
    pins = [line for line in (ROOT / "constraints.txt").read_text().splitlines() if line and not line.startswith("#")]
    assert pins and all("==" in line for line in pins)
    assert any(line.startswith("aws-cdk-lib==") for line in pins)
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()


def test_version_is_single_sourced() -> None:
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert sagemaker_hpo.__version__ == sagemaker_hpo._contract.contract.LIBRARY_VERSION
    assert f"## {sagemaker_hpo.__version__}" in (ROOT / "CHANGELOG.md").read_text()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return out


def test_the_wheel_carries_the_handler_the_image_and_the_data(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "sagemaker_hpo/py.typed",
        "sagemaker_hpo/handlers/__init__.py",
        "sagemaker_hpo/handlers/tuning_job/index.py",
        "sagemaker_hpo/handlers/tuning_job/contract.py",
        "sagemaker_hpo/images/gpu_training/Dockerfile",
        "sagemaker_hpo/images/gpu_training/train.py",
        "sagemaker_hpo/images/gpu_training/metrics.json",
        "sagemaker_hpo/data/builtin-algorithms.json",
        "sagemaker_hpo/data/sagemaker-training-prices.json",
    ):
        assert expected in names, expected
    for package in ("tuning_job", "job_waiter"):
        handler_sources = {p.name for p in (ROOT / "lambda" / package).glob("*.py")}
        shipped = {n.rsplit("/", 1)[1] for n in names if n.startswith(f"sagemaker_hpo/handlers/{package}/")}
        assert shipped == handler_sources, package
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: Apache-2.0" in text
    assert "Classifier: Framework :: AWS CDK :: 2" in text
    assert "Project-URL: Changelog" in text
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_sdist_carries_the_lambda_sources_and_the_license(dist: Path) -> None:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for expected in (
        "lambda/tuning_job/index.py",
        "lambda/tuning_job/contract.py",
        "lambda/job_waiter/index.py",
        "LICENSE",
        "pyproject.toml",
    ):
        assert expected in names, expected
