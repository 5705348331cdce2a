"""The dry run tells this machine's setup from a broken job (issue 21).

A module missing in the runner's interpreter and a path hard-coded under /opt/ml are setup problems: found before
any trial where the program's source shows them, from the trials' log otherwise; they end with their own exit code
and the fix, never with "every training job would fail". Identical failures are reported once with a count.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo.dryrun.checks import CheckResult, failure_findings
from sagemaker_hpo.dryrun.cli import main
from sagemaker_hpo.dryrun.contract import Program
from sagemaker_hpo.dryrun.environment import SETUP_EXIT_CODE, imports_of, setup_problems
from sagemaker_hpo.dryrun.progress import Progress
from sagemaker_hpo.dryrun.trials import TrialRecord
from tests.dryrun_support import PROGRAM, request, write_assembly

JOB_FAILS = "the baseline trial failed"
EVERY_JOB = "every training job would fail"


def dry_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], program: str = PROGRAM, **job: Any
) -> tuple[int, dict[str, Any], str]:
    app = write_assembly(tmp_path / "cdk.out", request(**job), program=program)
    out = tmp_path / "out"
    args = ["dry-run", "--app", str(app), "--out", str(out), "--runner", "python", "--quiet", "--max-jobs", "2"]
    code = main(args)
    return code, json.loads((out / "report.json").read_text()), capsys.readouterr().out


def test_a_module_missing_in_the_runners_interpreter_is_a_setup_problem_found_before_any_trial(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = "import json\nimport h21_not_installed_anywhere as torch\n" + PROGRAM
    code, report, out = dry_run(tmp_path, capsys, program)
    assert code == SETUP_EXIT_CODE
    (problem,) = report["checks"]["setup_problems"]
    assert problem["kind"] == "missing-module" and problem["where"] == ["prog.py:2"]
    assert "module 'h21_not_installed_anywhere' is not installed in the interpreter the Python runner uses" in out
    assert "-m pip install h21_not_installed_anywhere" in problem["fix"] and "--runner docker" in problem["fix"]
    assert report["checks"]["trials"] == [] and report["search"] is None  # no trial ran
    assert EVERY_JOB not in out


def test_a_module_missing_at_run_time_is_a_setup_problem_printed_once_with_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Imported by a computed name, so only the trials' log shows it: every check trial fails the same way.
    program = "__import__('h21_' + 'missing_at_run_time')\n" + PROGRAM
    code, report, out = dry_run(tmp_path, capsys, program)
    assert code == SETUP_EXIT_CODE
    errors = [f for f in report["checks"]["findings"] if f["severity"] == "error"]
    assert [f["check"] for f in errors] == ["setup"]
    assert errors[0]["message"].startswith("3 of 3 check trials failed because of this machine's setup, not the job")
    assert out.count("No module named 'h21_missing_at_run_time'") == 1
    assert out.count("module 'h21_missing_at_run_time' is not installed") == 2  # the finding and the problem's fix
    assert EVERY_JOB not in out and report["search"] is None


def test_a_hard_coded_opt_ml_is_a_setup_problem_with_the_opt_ml_dir_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = PROGRAM.replace(
        'root = os.environ.get("OPT_ML_DIR", "/opt/ml")', 'root = "/opt/ml"\nCONFIG = "/opt/ml/input/config"'
    )
    code, report, out = dry_run(tmp_path, capsys, program)
    assert code == SETUP_EXIT_CODE
    (problem,) = report["checks"]["setup_problems"]
    assert problem["kind"] == "hard-coded-root"
    assert problem["where"] == ["prog.py:3: '/opt/ml'", "prog.py:4: '/opt/ml/input/config'"]
    assert 'root = os.environ.get("OPT_ML_DIR", "/opt/ml")' in problem["fix"] and "--runner docker" in problem["fix"]
    assert "OPT_ML_DIR" in out and EVERY_JOB not in out


def test_the_packaged_program_and_the_test_program_have_no_setup_problem() -> None:
    packaged = Path(__file__).resolve().parents[1] / "constructs" / "sagemaker_hpo" / "images" / "gpu_training"
    import sys

    program = Program(packaged, "python", (sys.executable, str(packaged / "train.py")))
    assert setup_problems(program) == []


def test_guarded_and_local_imports_are_not_required(tmp_path: Path) -> None:
    (tmp_path / "helpers.py").write_text("import h21_needed_by_helpers\n")
    (tmp_path / "train.py").write_text(
        "import os, helpers\ntry:\n    import h21_optional\nexcept ImportError:\n    pass\n"
        "def late():\n    from h21_late import x\n"
    )
    tree = ast.parse((tmp_path / "train.py").read_text())
    assert [name for name, _ in imports_of(tree)] == ["os", "helpers", "h21_late"]
    import sys

    problems = setup_problems(Program(tmp_path, "python", (sys.executable, str(tmp_path / "train.py"))))
    assert sorted(p.message.split("'")[1] for p in problems) == ["h21_late", "h21_needed_by_helpers"]
    # The Docker runner runs the image, which has its own interpreter and /opt/ml: nothing to check here.
    assert setup_problems(Program(tmp_path, "docker", ("docker",), image="x")) == []


def test_a_job_failing_every_check_trial_the_same_way_is_reported_once_with_a_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = PROGRAM.replace(
        'reason = f"x={x} is too large for this program"', 'reason = "the train channel is empty"'
    )
    code, report, out = dry_run(tmp_path, capsys, program, static={"crash_above": "-1"})
    assert code == 1
    errors = [f for f in report["checks"]["findings"] if f["severity"] == "error"]
    assert [f["message"] for f in errors] == [
        f"the baseline trial failed (exit code 1) (and 2 other check trials the same way): {EVERY_JOB}"
    ]
    assert out.count("the train channel is empty") == 1


def _failed(number: int, label: str, failure: str) -> TrialRecord:
    return TrialRecord(number, f"c{number}", "check", label, {}, state="failed", returncode=1, failure=failure)


def test_identical_range_end_failures_are_one_finding_and_one_progress_line() -> None:
    records = [
        TrialRecord(0, "c0", "check", "baseline (every range at its middle)", {}, state="completed"),
        _failed(1, "a at its maximum 1.0", "out of memory"),
        _failed(2, "b at its maximum 9", "out of memory"),
        _failed(3, "c at its minimum 0", "diverged"),
    ]
    runner = type("Runner", (), {"program": Program(Path("."), "python", ("python", "x.py"))})()
    findings = failure_findings(CheckResult(trials=records), runner)  # type: ignore[arg-type]
    assert [f.message for f in findings] == [
        "2 range-end trials fail the same way (a at its maximum 1.0; b at its maximum 9), exit code 1; "
        "SageMaker's FailureReason would read: out of memory",
        "c at its minimum 0: the training job fails (exit code 1); SageMaker's FailureReason would read: diverged",
    ]
    progress = Progress("check", 4, "acc", True, enabled=False)
    assert [progress.failure_text(r) for r in records[1:]] == [
        ": out of memory",
        ": the same failure as check 1 (2 times so far)",
        ": diverged",
    ]


def test_an_opt_ml_path_only_the_log_shows_is_a_setup_problem_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Built at run time, so no literal shows it: the trials fail with a missing /opt/ml file, which is this machine.
    program = PROGRAM.replace('root = os.environ.get("OPT_ML_DIR", "/opt/ml")', 'root = os.path.join("/", "opt", "ml")')
    code, report, out = dry_run(tmp_path, capsys, program)
    assert code == SETUP_EXIT_CODE and report["search"] is None
    (problem,) = report["checks"]["setup_problems"]
    assert problem["kind"] == "hard-coded-root"
    assert problem["where"] == [
        "the log: FileNotFoundError: [Errno 2] No such file or directory: '/opt/ml/input/config/hyperparameters.json'"
    ]
    (error,) = [f for f in report["checks"]["findings"] if f["severity"] == "error"]
    assert error["check"] == "setup" and error["message"].startswith("3 of 3 check trials failed because of this")
    assert "OPT_ML_DIR" in error["message"] and EVERY_JOB not in out
