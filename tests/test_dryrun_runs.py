"""``sagemaker-hpo dry-run`` end to end on a tiny assembly whose program is a fast fake (tests/dryrun_support.py).

Each test runs the command in-process (``main([...])``) with trials as real processes under the SageMaker contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo.dryrun.cli import main
from tests.dryrun_support import ACCURACY, LOSS, alive, request, write_assembly


def dry_run(tmp_path: Path, job_request: dict[str, Any], *args: str) -> tuple[int, dict[str, Any]]:
    app = write_assembly(tmp_path / "cdk.out", job_request)
    out = tmp_path / "out"
    code = main(
        ["dry-run", "--app", str(app), "--job", "Stack/Job", "--out", str(out), "--runner", "python", "--quiet", *args]
    )
    return code, json.loads((out / "report.json").read_text())


@pytest.mark.parametrize("strategy", ["Hyperband", "Bayesian", "Random"])
def test_a_tiny_job_per_strategy_completes_and_reports_its_trials(tmp_path: Path, strategy: str) -> None:
    code, report = dry_run(tmp_path, request(strategy=strategy, max_jobs=4), "--skip-checks", "--max-epochs", "3")
    assert code == 0
    search = report["search"]
    assert search["trials_run"] == 4 and len(search["trials"]) == 4
    assert report["job"]["strategy"] == strategy
    for trial in search["trials"]:
        assert trial["state"] in ("completed", "stopped")
        assert trial["hyperparameters"]["epochs"] == "3" and 0 <= float(trial["hyperparameters"]["x"]) <= 1
        assert [p["epoch"] for p in trial["curve"]] == list(range(1, trial["epochs"] + 1))
    assert search["best"]["objective"] == max(t["final_objective"] for t in search["trials"])
    assert (tmp_path / "out" / "plot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Finished trials keep their configuration and output/, not their model (nor checkpoints).
    trial = tmp_path / "out" / "search" / "trials" / "dryrun-000"
    assert json.loads((trial / "input" / "config" / "hyperparameters.json").read_text())["epochs"] == "3"
    assert (trial / "output").is_dir() and not (trial / "model").exists()


def test_grid_search_tries_every_combination(tmp_path: Path) -> None:
    ranges = {
        "IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "2", "ScalingType": "Linear"}],
        "CategoricalParameterRanges": [{"Name": "k", "Values": ["a", "b"]}],
    }
    code, report = dry_run(
        tmp_path, request(strategy="Grid", ranges=ranges, max_jobs=10), "--skip-checks", "--max-epochs", "2"
    )
    assert code == 0
    combos = sorted((t["hyperparameters"]["n"], t["hyperparameters"]["k"]) for t in report["search"]["trials"])
    assert combos == [("1", "a"), ("1", "b"), ("2", "a"), ("2", "b")]


def test_hyperband_stops_trials_and_their_processes_are_gone(tmp_path: Path) -> None:
    # Each trial starts a child process in its group and sleeps between epochs, so a stop has something to end.
    job = request(strategy="Hyperband", max_jobs=8, static={"mode": "child", "sleep": "0.05"})
    code, report = dry_run(tmp_path, job, "--max-epochs", "9", "--parallel", "2", "--seed", "3", "--keep-trial-files")
    assert code == 0
    search = report["search"]
    # Seeded with the checks' first-rung values (baseline, x at 0 and at 1), so even the first trial can be stopped.
    assert len(search["seeded_first_rung_values"]) == 3
    stopped = [t for t in search["trials"] if t["state"] == "stopped"]
    assert stopped and search["stopped_trials"] == [t["number"] for t in stopped]
    assert all(t["stop_reason"] == "stopped by the strategy" and t["epochs"] < 9 for t in stopped)
    assert any(t["state"] == "completed" and t["epochs"] == 9 for t in search["trials"])
    for decision in search["stop_decisions"]:
        assert decision["epoch"] in (1, 3)  # the rungs: MinResource 1 x 3^k below 9
        child = int(
            (tmp_path / "out" / "search" / "trials" / f"dryrun-{decision['trial']:03d}" / "child.pid").read_text()
        )
        assert not alive(decision["pid"]) and not alive(child)


def test_time_budget_stops_running_trials(tmp_path: Path) -> None:
    job = request(strategy="Random", max_jobs=50, static={"mode": "child", "sleep": "0.5"})
    code, report = dry_run(
        tmp_path, job, "--skip-checks", "--max-epochs", "20", "--time-budget", "2", "--parallel", "2"
    )
    search = report["search"]
    assert code == 0 and search["ended_by"] == "time budget spent" and search["seconds"] < 10
    stopped = [t for t in search["trials"] if t["state"] == "stopped"]
    assert stopped and all(t["stop_reason"] == "time budget spent" for t in stopped)
    assert not any(alive(t["pid"]) for t in search["trials"])


def test_a_regex_that_never_matches_is_reported_before_any_search(tmp_path: Path) -> None:
    job = request(metrics=[{"Name": "validation:f1", "Regex": r"f1=([0-9.]+)"}, ACCURACY])
    code, report = dry_run(tmp_path, job, "--max-jobs", "2")
    errors = [f for f in report["checks"]["findings"] if f["severity"] == "error"]
    assert code == 1
    assert [f["check"] for f in errors] == ["metrics"]
    assert "metric validation:f1: regex 'f1=([0-9.]+)' never matches the program's output" in errors[0]["message"]


def test_an_objective_that_never_matches_stops_before_the_search(tmp_path: Path) -> None:
    job = request(metrics=[LOSS, {"Name": "validation:accuracy", "Regex": r"val_acc=([0-9.]+)"}])
    code, report = dry_run(tmp_path, job, "--max-jobs", "2")
    assert code == 1 and report["search"] is None
    baseline = report["checks"]["trials"][0]
    assert baseline["state"] == "failed" and "never appeared in the log" in baseline["failure"]


def test_a_regex_that_matches_two_lines_per_epoch_is_reported(tmp_path: Path) -> None:
    code, report = dry_run(tmp_path, request(static={"mode": "extra"}), "--max-jobs", "2")
    (error,) = [f for f in report["checks"]["findings"] if f["severity"] == "error"]
    assert code == 1
    assert error["message"].startswith("metric train:loss: regex 'train:loss=([0-9.]+)' matches 4 lines in 2 epochs")
    assert error["details"] == ["note: best train:loss=0.6000 so far", "note: best train:loss=0.4000 so far"]


def test_a_range_end_that_crashes_the_program_is_reported_with_its_failure_text(tmp_path: Path) -> None:
    code, report = dry_run(tmp_path, request(static={"crash_above": "0.95"}), "--max-jobs", "2")
    (error,) = [f for f in report["checks"]["findings"] if f["severity"] == "error"]
    assert code == 1
    assert error["check"] == "ranges"
    assert error["message"] == (
        "x at its maximum 1.0: the training job fails (exit code 1); SageMaker's FailureReason would read: "
        "x=1.0 is too large for this program"
    )
    # The search still runs, as SageMaker's would, with that end failing.
    assert report["search"] is not None


def test_stop_at_target_ends_the_search_like_the_completion_criteria(tmp_path: Path) -> None:
    job = request(strategy="Random", max_jobs=30, target=0.5, static={"sleep": "0.05"})
    code, report = dry_run(tmp_path, job, "--skip-checks", "--max-epochs", "9", "--stop-at-target")
    search = report["search"]
    assert code == 0 and search["ended_by"] == "target reached (completion criteria)"
    assert search["target"]["reached"] and search["trials_run"] < 30


FAKE_DOCKER = r'''#!PYTHON
"""A stand-in for the docker client: `info`, `build -t TAG DIR`, `run ... -v ROOT:/opt/ml IMAGE train`, `kill NAME`."""
import json, os, sys
state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images.json")
args = sys.argv[1:]
with open(os.path.join(os.path.dirname(state), "calls.log"), "a") as log:
    log.write(json.dumps(args) + "\n")
if args[0] == "info":
    sys.exit(0)
if args[0] == "build":
    images = json.load(open(state)) if os.path.exists(state) else {}
    images[args[args.index("-t") + 1]] = args[-1]
    json.dump(images, open(state, "w"))
    sys.exit(0)
if args[0] == "kill":
    sys.exit(0)
assert args[0] == "run" and args[-1] == "train", args
env = dict(os.environ)
for i, arg in enumerate(args):
    if arg == "-e":
        key, _, value = args[i + 1].partition("=")
        env[key] = value
    if arg == "-v" and args[i + 1].endswith(":/opt/ml"):
        env["OPT_ML_DIR"] = args[i + 1][: -len(":/opt/ml")]
folder = json.load(open(state))[args[-2]]
os.execve(sys.executable, [sys.executable, os.path.join(folder, "prog.py"), "train"], env)
'''


def test_with_a_docker_engine_the_image_is_built_and_each_trial_is_a_container(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text(FAKE_DOCKER.replace("PYTHON", sys.executable, 1))
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{__import__('os').environ['PATH']}")
    app = write_assembly(tmp_path / "cdk.out", request(strategy="Random", max_jobs=2))
    out = tmp_path / "out"
    code = main(["dry-run", "--app", str(app), "--out", str(out), "--quiet", "--skip-checks", "--max-epochs", "2"])
    report = json.loads((out / "report.json").read_text())
    assert code == 0 and report["program"]["runner"] == "docker"
    assert [t["state"] for t in report["search"]["trials"]] == ["completed", "completed"]
    calls = [json.loads(line) for line in (bin_dir / "calls.log").read_text().splitlines()]
    assert calls[0] == ["info"] and calls[1][:4] == ["build", "--platform", "linux/amd64", "-t"]
    run = calls[2]
    assert run[:4] == ["run", "--rm", "--name", "dryrun-000"] and run[-1] == "train"
    assert f"{(out / 'search' / 'trials' / 'dryrun-000').resolve()}:/opt/ml" in run
