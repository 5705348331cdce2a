"""The library as its users get it: built into a wheel, installed into a clean virtualenv, used from outside the checkout.

One wheel is built per run (``python -m build --wheel``). Each install goes into a fresh virtualenv with a full
resolution (uv's or pip's; their caches make repeats cheap): once with the newest ``aws-cdk-lib`` the index has, once
with the oldest the library claims in ``pyproject.toml``. From a temporary folder outside the repository, with the
checkout not on ``sys.path``, an app with an ``HpoPlatform`` stack and a team stack (a seed-configuration ``TuningJob``
and a ``GpuTrainingImage``) is synthesized; the staged assets must hold the handler and the Docker context, and the
handler's asset hash must equal the one an editable install of the same code gives.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

#: The app every install synthesizes (argument 1: the output folder; argument 2: "installed" to require a wheel).
APP = """
import json, sys
import aws_cdk as cdk
import sagemaker_hpo
from sagemaker_hpo import (
    CompletionCriteria, ContinuousRange, GpuTrainingImage, HpoPlatform, Hyperband, IntegerRange, Objective,
    TrainingDefinition, TrainingImage, TuningJob,
)

if sys.argv[2] == "installed":
    assert "site-packages" in sagemaker_hpo.__file__, sagemaker_hpo.__file__
    assert not any(p and __import__("os").path.exists(__import__("os").path.join(p, "constructs", "sagemaker_hpo"))
                   for p in sys.path), sys.path

app = cdk.App(outdir=sys.argv[1])
platform_stack = cdk.Stack(app, "Platform")
HpoPlatform(platform_stack, "Platform").add_team("vision")

team = cdk.Stack(app, "Team")
team.add_stack_dependency(platform_stack)
platform = HpoPlatform.from_parameters(team, "Platform", team="vision")
image = GpuTrainingImage(team, "GpuImage")
job = TuningJob(
    team,
    "XgbTuning",
    strategy=Hyperband(min_resource=10, max_resource=100),
    objective=Objective.maximize("validation:auc"),
    parameter_ranges=[
        ContinuousRange("eta", min_value=0, max_value=1),
        ContinuousRange("min_child_weight", min_value=1, max_value=10),
        ContinuousRange("alpha", min_value=0, max_value=2),
        IntegerRange("max_depth", min_value=1, max_value=10),
    ],
    max_jobs=20,
    max_parallel_jobs=5,
    provider=platform.provider,
    training=TrainingDefinition(
        image=TrainingImage.builtin_algorithm("xgboost", "1.7-1"),
        inputs={name: platform.data_input(f"xgboost/{name}/", content_type="text/csv") for name in ("train", "validation")},
        output_path=platform.output_location("xgboost/"),
        role=platform.training_role,
        instance_type="ml.m5.xlarge",
        static_hyperparameters={"objective": "binary:logistic", "eval_metric": "auc", "num_round": 100},
    ),
)
cdk.CfnOutput(team, "ImageUri", value=image.image_uri)
app.synth()
print(json.dumps({"file": sagemaker_hpo.__file__, "version": sagemaker_hpo.__version__}))
"""


def _run(argv: list[str], cwd: Path, timeout: float = 600) -> str:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _oldest_cdk() -> str:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (spec,) = [d for d in dependencies if d.startswith("aws-cdk-lib")]
    match = re.search(r">=\s*([0-9.]+)", spec)
    assert match, spec
    return match.group(1)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def app_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("user-app")
    (folder / "app.py").write_text(APP)
    assert ROOT not in folder.parents
    return folder


def _synth(python: str, app_dir: Path, out: Path, mode: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_run([python, "app.py", str(out), mode], cwd=app_dir).strip().splitlines()[-1])
    return result


def _assets(out: Path, stack: str) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((out / f"{stack}.assets.json").read_text())
    return manifest


def _handler_asset(out: Path) -> tuple[str, Path]:
    """The hash and staged folder of the file asset that holds the tuning-job handler."""
    found = []
    for asset_hash, asset in _assets(out, "Platform").get("files", {}).items():
        folder = out / asset["source"]["path"]
        if folder.is_dir() and (folder / "tuning_job" / "index.py").is_file():
            found.append((asset_hash, folder))
    assert len(found) == 1, f"expected one handler asset, found {found}"
    return found[0]


def _docker_contexts(out: Path) -> list[Path]:
    return [out / image["source"]["directory"] for image in _assets(out, "Team").get("dockerImages", {}).values()]


@pytest.fixture(scope="module")
def editable_handler_hash(app_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("editable-out")
    info = _synth(sys.executable, app_dir, out, "editable")
    assert Path(info["file"]).is_relative_to(ROOT)
    return _handler_asset(out)[0]


@pytest.fixture(scope="module", params=["newest", "oldest"])
def installed(
    request: pytest.FixtureRequest, wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """A clean virtualenv holding the wheel and its dependencies (the newest aws-cdk-lib, or the oldest claimed)."""
    venv = tmp_path_factory.mktemp(f"venv-{request.param}")
    _run([sys.executable, "-m", "venv", str(venv)], cwd=venv)
    python = venv / "bin" / "python"
    wanted = [str(wheel)]
    if request.param == "oldest":
        wanted.append(f"aws-cdk-lib=={_oldest_cdk()}")
    _install(python, wanted, cwd=venv)
    yield request.param, python


def _install(python: Path, wanted: list[str], cwd: Path) -> None:
    """Install into the virtualenv of ``python`` with a full resolution: uv when the development environment has it
    (``make install`` puts it there; its cache is warm from that install), else pip. Both resolve the same
    requirements from the same index; pip's own check of the result runs in the tests."""
    uv = Path(sys.executable).with_name("uv")
    if uv.is_file():
        _run([str(uv), "pip", "install", "--quiet", "--python", str(python), *wanted], cwd=cwd, timeout=900)
    else:
        _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *wanted], cwd=cwd, timeout=900)


def test_the_installed_wheel_synthesizes_a_platform_and_a_team_app(
    installed: tuple[str, Path], app_dir: Path, editable_handler_hash: str, tmp_path: Path
) -> None:
    _, python = installed
    info = _synth(str(python), app_dir, tmp_path / "cdk.out", "installed")
    assert "site-packages" in info["file"]
    version = _run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('sagemaker-hpo-cdk'))"], tmp_path
    )
    assert version.strip() == info["version"]

    handler_hash, handler_folder = _handler_asset(tmp_path / "cdk.out")
    assert (handler_folder / "tuning_job" / "contract.py").is_file()
    assert not list(handler_folder.rglob("__pycache__")), "compiled files leaked into the Lambda asset"
    assert handler_hash == editable_handler_hash, "the handler's asset differs between an editable and a wheel install"

    (context,) = _docker_contexts(tmp_path / "cdk.out")
    assert (context / "Dockerfile").is_file() and (context / "train.py").is_file()
    assert (context / "metrics.json").is_file()


def _version_tuple(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.strip().split("."))


def test_the_install_resolves_the_aws_cdk_lib_version_asked_for(installed: tuple[str, Path], tmp_path: Path) -> None:
    kind, python = installed
    version = _run([str(python), "-c", "import importlib.metadata as m; print(m.version('aws-cdk-lib'))"], tmp_path)
    _run([str(python), "-m", "pip", "check", "--disable-pip-version-check"], tmp_path)
    if kind == "oldest":
        assert version.strip() == _oldest_cdk()
    else:  # the newest the index has is at least the version development is pinned to
        lines = (ROOT / "constraints.txt").read_text().splitlines()
        pinned = next(line.split("==")[1] for line in lines if line.startswith("aws-cdk-lib=="))
        assert _version_tuple(version) >= _version_tuple(pinned)
