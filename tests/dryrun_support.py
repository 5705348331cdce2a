"""A tiny cloud assembly for the dry-run tests: one stack, one tuning job, an image asset with a fast fake program.

The program follows the SageMaker contract like the real one (``OPT_ML_DIR``, ``hyperparameters.json``,
``output/failure``) but trains nothing: it prints one line per epoch whose accuracy depends on the hyperparameter
``x``, so a trial takes a fraction of a second and the tests stay fast and deterministic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ASSET_HASH = "ab" * 32
ACCURACY = {"Name": "validation:accuracy", "Regex": r"validation:accuracy=([0-9.]+)"}
LOSS = {"Name": "train:loss", "Regex": r"train:loss=([0-9.]+)"}

PROGRAM = r"""
import json, os, subprocess, sys, time
root = os.environ.get("OPT_ML_DIR", "/opt/ml")
if sys.argv[1:] != ["train"]:
    sys.exit(2)
hp = json.load(open(os.path.join(root, "input", "config", "hyperparameters.json")))
assert all(isinstance(v, str) for v in hp.values()), "SageMaker passes strings"
epochs = int(hp.get("epochs", "3"))
x = float(hp.get("x", "0.5"))
if hp.get("mode") == "child":  # a child in the trial's process group, which a stop must end too
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    open(os.path.join(root, "child.pid"), "w").write(str(child.pid))
if x > float(hp.get("crash_above", "99")):
    reason = f"x={x} is too large for this program"
    os.makedirs(os.path.join(root, "output"), exist_ok=True)
    open(os.path.join(root, "output", "failure"), "w").write(reason + "\n")
    print("FAILED: " + reason, file=sys.stderr, flush=True)
    sys.exit(1)
print("starting; config " + json.dumps(hp, sort_keys=True), flush=True)
for epoch in range(1, epochs + 1):
    accuracy = max(0.0, 1.0 - abs(x - 0.3)) * (1.0 - 0.5 ** epoch)
    if hp.get("mode") == "dip" and epoch == epochs:  # the last epoch is worse than the one before
        accuracy -= 0.2
    print(f"epoch={epoch}/{epochs} train:loss={1 - accuracy:.4f} validation:accuracy={accuracy:.4f}", flush=True)
    if hp.get("mode") == "extra":
        print(f"note: best train:loss={1 - accuracy:.4f} so far", flush=True)
    time.sleep(float(hp.get("sleep", "0.01")))
os.makedirs(os.path.join(root, "model"), exist_ok=True)
open(os.path.join(root, "model", "model.json"), "w").write("{}")
"""


def request(
    *,
    strategy: str = "Hyperband",
    ranges: dict[str, list[dict[str, Any]]] | None = None,
    metrics: list[dict[str, str]] | None = None,
    static: dict[str, str] | None = None,
    max_jobs: int = 6,
    parallel: int = 1,
    min_resource: int | None = 1,
    target: float | None = None,
) -> dict[str, Any]:
    """A ``CreateHyperParameterTuningJob`` request as the construct synthesizes it."""
    config: dict[str, Any] = {
        "Strategy": strategy,
        "TrainingJobEarlyStoppingType": "Off",
        "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:accuracy"},
        "ResourceLimits": {"MaxParallelTrainingJobs": parallel, "MaxNumberOfTrainingJobs": max_jobs},
        "ParameterRanges": ranges
        or {"ContinuousParameterRanges": [{"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Linear"}]},
    }
    if strategy == "Hyperband" and min_resource is not None:
        config["StrategyConfig"] = {"HyperbandStrategyConfig": {"MinResource": min_resource}}
    if target is not None:
        config["TuningJobCompletionCriteria"] = {"TargetObjectiveMetricValue": target}
    return {
        "HyperParameterTuningJobConfig": config,
        "TrainingJobDefinition": {
            "AlgorithmSpecification": {
                "TrainingImage": {
                    "Fn::Sub": "${AWS::AccountId}.dkr.ecr.us-east-1.${AWS::URLSuffix}/repo:" + ASSET_HASH
                },
                "TrainingInputMode": "File",
                "MetricDefinitions": metrics or [LOSS, ACCURACY],
            },
            "ResourceConfig": {"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 30},
            "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
            "StaticHyperParameters": {"epochs": "9", **(static or {})},
        },
    }


def write_assembly(
    folder: Path, job_request: dict[str, Any], *, stack: str = "Stack", job: str = "Job", program: str = PROGRAM
) -> Path:
    """Write a cloud assembly holding one tuning job and the fake program's image asset; return its folder.

    :param program: the training program's source (``prog.py``). Default: :data:`PROGRAM`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    asset = folder / f"asset.{ASSET_HASH}"
    asset.mkdir(exist_ok=True)
    (asset / "Dockerfile").write_text(
        'FROM python:3.11-slim\nCOPY prog.py /opt/program/\nENTRYPOINT ["python", "/opt/program/prog.py"]\n'
    )
    (asset / "prog.py").write_text(program)
    template = {
        "Resources": {
            f"{job}ABCD1234": {
                "Type": "Custom::SageMakerHyperParameterTuningJob",
                "Properties": {"ServiceToken": "arn", "Request": job_request},
                "Metadata": {"aws:cdk:path": f"{stack}/{job}/Resource"},
            }
        }
    }
    (folder / f"{stack}.template.json").write_text(json.dumps(template))
    assets = {
        "version": "48.0.0",
        "dockerImages": {ASSET_HASH: {"source": {"directory": asset.name}, "destinations": {}}},
    }
    (folder / f"{stack}.assets.json").write_text(json.dumps(assets))
    manifest = {
        "version": "48.0.0",
        "artifacts": {
            f"{stack}.assets": {"type": "cdk:asset-manifest", "properties": {"file": f"{stack}.assets.json"}},
            stack: {"type": "aws:cloudformation:stack", "properties": {"templateFile": f"{stack}.template.json"}},
        },
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting to be reaped counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")
