"""``sagemaker-hpo status`` against the local SageMaker stand-in of tests/operate_support.py (127.0.0.1).

The CLI runs in-process (``sagemaker_hpo.dryrun.cli.main``, or ``sagemaker_hpo.operate.cli.main`` where a test
injects the clock and sleep); botocore's retry backoff is set to zero so that throttling costs no time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo.dryrun.cli import main as cli_main
from sagemaker_hpo.operate import cli as operate_cli
from sagemaker_hpo.operate.errors import EXIT_AWS, OperateError
from sagemaker_hpo.operate.watch import watch
from tests.operate_support import T0, StandIn, aws_env, serve, training_jobs, tuning_job

ROOT = Path(__file__).resolve().parents[1]
JOB = "exp2-hyperband"
#: 30 training jobs in pages of 12: three pages.
COUNT, PAGE = 30, 12


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[StandIn, str]]:
    server = StandIn()
    with serve(server) as url:
        yield server, url


@pytest.fixture
def sagemaker(stand_in: tuple[StandIn, str], monkeypatch: pytest.MonkeyPatch) -> StandIn:
    """The stand-in, reset, serving JOB with COUNT training jobs in pages of PAGE; boto3 pointed at it."""
    server, url = stand_in
    server.jobs.clear()
    server.trainings.clear()
    server.calls.clear()
    server.throttle.clear()
    server.throttle_first.clear()
    server.forget_requests()
    server.denied.clear()
    server.page_size = PAGE
    server.max_in_flight = 0
    server.missing_code = "ResourceNotFound"
    server.add(JOB, COUNT)
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in aws_env(url).items():
        monkeypatch.setenv(key, value)
    from botocore.retries import standard

    monkeypatch.setattr(standard.ExponentialBackoff, "delay_amount", lambda self, context: 0.0)
    return server


def run_json(capsys: pytest.CaptureFixture[str], *argv: str, clock: float = T0 + 600) -> dict[str, Any]:
    code = operate_cli.main(["status", *argv, "--json"], clock=lambda: clock, sleep=lambda s: None)
    out = capsys.readouterr().out
    assert code == 0, out
    document: dict[str, Any] = json.loads(out)
    return document


def expected_billed_hours(count: int) -> float:
    return sum(t["details"]["BillableTimeInSeconds"] * 2 for t in training_jobs(JOB, count)) / 3600


def test_status_reads_every_page_and_describes_every_training_job(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    document = run_json(capsys, JOB, "--top", "4")
    assert sagemaker.calls["ListTrainingJobsForHyperParameterTuningJob"] == 3  # 12 + 12 + 6
    assert sagemaker.calls["DescribeTrainingJob"] == COUNT
    assert document["training_jobs_listed"] == COUNT
    assert document["status"] == "Completed" and document["strategy"] == "Hyperband"
    assert document["counters"] == {
        "Completed": 24,
        "InProgress": 0,
        "RetryableError": 0,
        "NonRetryableError": 2,
        "Stopped": 4,
    }
    assert document["finished_jobs"] == COUNT and document["max_jobs"] == COUNT
    best = document["best_training_job"]
    assert best["name"] == f"{JOB}-016-abcdef12" and best["objective_value"] == pytest.approx(0.9)
    assert best["tuned_hyperparameters"] == {"learning_rate": "0.0170", "batch_size": "32"}
    assert best["static_hyperparameters"] == {"epochs": "20", "optimizer": "adam"}
    assert best["model_artifacts"] == f"s3://bucket/output/{JOB}-016-abcdef12/output/model.tar.gz"
    assert [job["objective_value"] for job in document["top"]] == pytest.approx([0.9, 0.875, 0.85, 0.825])
    hours = document["instance_hours"]
    assert hours["billed"] == pytest.approx(expected_billed_hours(COUNT), abs=1e-3)
    assert hours["ceiling"] == pytest.approx(COUNT * 2 * 3600 / 3600)  # max jobs x instances x max runtime
    assert hours["unknown_jobs"] == 0 and hours["billed_jobs"] == COUNT


def test_status_minimize_ranks_the_lowest_first(sagemaker: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    sagemaker.add("loss-job", 20, maximize=False)
    document = run_json(capsys, "loss-job", "--top", "2")
    values = [job["objective_value"] for job in document["top"]]
    assert values == sorted(values) and values[0] == pytest.approx(1.0 - 16 / 40)
    assert document["best_training_job"]["objective_value"] == pytest.approx(values[0])


def test_status_describes_within_the_concurrency_asked_for(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    sagemaker.latency = 0.01
    try:
        run_json(capsys, JOB, "--concurrency", "4")
    finally:
        sagemaker.latency = 0.0
    assert 2 <= sagemaker.max_in_flight <= 4 + 1  # four describes, and the next page of the listing


def test_time_left_and_elapsed_follow_the_injected_clock(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    trainings = training_jobs(JOB, 3)
    running = dict(trainings[2]["summary"], TrainingJobStatus="InProgress")
    for key in ("TrainingEndTime", "FinalHyperParameterTuningJobObjectiveMetric"):
        running.pop(key, None)
    trainings[2] = {
        "summary": running,
        "details": {
            k: v for k, v in trainings[2]["details"].items() if k not in ("BillableTimeInSeconds", "TrainingEndTime")
        }
        | {"TrainingJobStatus": "InProgress"},
    }
    sagemaker.trainings[JOB] = trainings
    sagemaker.jobs[JOB] = [tuning_job(JOB, trainings, status="InProgress", max_jobs=10)]
    document = run_json(capsys, JOB, clock=T0 + 600)  # created at T0 - 60
    assert document["elapsed_seconds"] == 660 and document["time_left_seconds"] == 7200 - 660
    hours = document["instance_hours"]
    assert hours["unknown_jobs"] == 1  # the running one: not billed yet
    assert hours["running_estimate"] == pytest.approx((T0 + 600 - (T0 + 120)) * 2 / 3600, abs=1e-3)
    assert document["finished_jobs"] == 2 and document["max_jobs"] == 10


def test_fields_not_returned_yet_are_unknown(sagemaker: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    sagemaker.jobs["fresh"] = [{"HyperParameterTuningJobName": "fresh", "HyperParameterTuningJobStatus": "InProgress"}]
    sagemaker.trainings["fresh"] = []
    code = operate_cli.main(["status", "fresh", "--plain"], clock=lambda: T0, sleep=lambda s: None)
    out = capsys.readouterr().out
    assert code == 0
    lines = {line.split("  ", 1)[0].strip(): line for line in out.splitlines() if line.strip()}
    for label in ("strategy", "objective", "elapsed", "training jobs"):
        assert lines[label].rstrip().endswith("unknown"), out
    assert "time left" in lines and "unknown of max_runtime unknown" in lines["time left"]
    assert "best training job: none yet" in out
    document = run_json(capsys, "fresh")
    assert document["strategy"] is None and document["elapsed_seconds"] is None and document["counters"] is None


def test_text_display_shows_the_issue_fields(sagemaker: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["status", JOB, "--top", "3", "--plain"])
    out = capsys.readouterr().out
    assert code == 0
    assert "24 completed, 0 in progress, 4 stopped early, 2 failed" in out
    assert f"[{'#' * 30}] 30/30 training jobs ended" in out
    assert f"{expected_billed_hours(COUNT):.2f} h billed of a 60.00 h ceiling" in out
    assert f"s3://bucket/output/{JOB}-016-abcdef12/output/model.tar.gz" in out
    top = out.split("top 3 training jobs:\n", 1)[1].splitlines()
    assert len(top) == 4 and top[0].split()[:4] == ["#", "training", "job", "status"]


def test_rich_display_and_its_absence(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli_main(["status", JOB]) == 0
    rich_out = capsys.readouterr().out
    assert "━" in rich_out and "top 5 training jobs" in rich_out  # rich's progress bar and table
    monkeypatch.setitem(sys.modules, "rich", None)  # as if rich were not installed
    assert cli_main(["status", JOB]) == 0
    plain_out = capsys.readouterr().out
    assert "━" not in plain_out and "[##############################] 30/30" in plain_out


@pytest.mark.parametrize(
    ("setup", "code", "message"),
    [
        (lambda s: s.jobs.pop(JOB), 2, f"error: no tuning job named {JOB!r} in this account and region"),
        (
            lambda s: (s.jobs.pop(JOB), setattr(s, "missing_code", "ValidationException")),
            2,
            f"error: no tuning job named {JOB!r} in this account and region",
        ),
        (lambda s: s.denied.add("DescribeHyperParameterTuningJob"), 3, "error: access denied: "),
        (lambda s: s.denied.add("DescribeTrainingJob"), 3, "error: access denied: DescribeTrainingJob for"),
        (lambda s: s.throttle.update({"ListTrainingJobsForHyperParameterTuningJob": -1}), 3, "error: throttled: "),
    ],
    ids=["missing-job", "missing-job-validation", "access-denied", "access-denied-training-job", "throttled-for-good"],
)
def test_failures_are_one_line_and_a_non_zero_exit(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], setup: Any, code: int, message: str
) -> None:
    setup(sagemaker)
    assert cli_main(["status", JOB]) == code
    captured = capsys.readouterr()
    assert captured.err.startswith(message), captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
    assert captured.out == ""


def test_throttled_for_good_gives_up_after_the_retry_policy(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    from sagemaker_hpo.handlers.tuning_job.sagemaker import CLIENT_MAX_ATTEMPTS

    sagemaker.throttle["DescribeHyperParameterTuningJob"] = -1
    assert cli_main(["status", JOB]) == EXIT_AWS
    assert sagemaker.calls["DescribeHyperParameterTuningJob"] == CLIENT_MAX_ATTEMPTS
    assert f"{CLIENT_MAX_ATTEMPTS} times (ThrottlingException)" in capsys.readouterr().err


def test_throttled_calls_are_retried(sagemaker: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    # Six training jobs are throttled once each (whatever the threads' timing), and the first page twice.
    sagemaker.throttle_first["DescribeTrainingJob"] = 6
    sagemaker.throttle["ListTrainingJobsForHyperParameterTuningJob"] = 2
    document = run_json(capsys, JOB)
    assert document["training_jobs_listed"] == COUNT
    assert sagemaker.calls["DescribeTrainingJob"] == COUNT + 6
    assert sagemaker.calls["ListTrainingJobsForHyperParameterTuningJob"] == 3 + 2


def test_missing_credentials_are_one_line(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    assert cli_main(["status", JOB]) == EXIT_AWS
    err = capsys.readouterr().err
    assert err.startswith("error: no AWS credentials found") and err.count("\n") == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["status", JOB, "--app", "cdk.out"],
        ["status", JOB, "--concurrency", "0"],
        ["status", "--job", "X"],
        ["status", JOB, "--profile", "no-such-profile-h17"],
    ],
)
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(argv) == 2
    assert capsys.readouterr().err.startswith("error: ")


def _versions(stand_in: StandIn, *statuses: str, reason: str | None = None) -> list[dict[str, Any]]:
    trainings = training_jobs(JOB, 5)
    stand_in.trainings[JOB] = trainings
    versions = []
    for status in statuses:
        version = tuning_job(JOB, trainings, status=status, max_jobs=10)
        if reason and status in ("Failed", "Stopped"):
            version["FailureReason"] = reason
        versions.append(version)
    return versions


def test_watch_refreshes_until_completed(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sagemaker.jobs[JOB] = _versions(sagemaker, "InProgress", "InProgress", "Completed")
    slept: list[float] = []
    plot = tmp_path / "watch.png"

    def sleep(seconds: float) -> None:
        assert plot.exists()  # redrawn at each refresh
        plot.unlink()
        slept.append(seconds)

    code = operate_cli.main(
        ["status", JOB, "--watch", "--interval", "30", "--plain", "--plot", str(plot)], clock=lambda: T0, sleep=sleep
    )
    assert plot.exists()
    out = capsys.readouterr().out
    assert code == 0 and slept == [30.0, 30.0]
    assert sagemaker.calls["DescribeHyperParameterTuningJob"] == 3
    assert sagemaker.calls["DescribeTrainingJob"] == 5  # ended training jobs are described once, then kept
    assert out.count(f"{JOB} InProgress: 5/10 training jobs ended") == 2
    assert f"tuning job {JOB} completed" in out


@pytest.mark.parametrize("final", ["Failed", "Stopped"])
def test_watch_exits_non_zero_with_sagemakers_reason(
    final: str, sagemaker: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    reason = "ClientError: no training job succeeded after 5 attempts"
    sagemaker.jobs[JOB] = _versions(sagemaker, "InProgress", final, reason=reason)
    code = operate_cli.main(["status", JOB, "--watch", "--json"], clock=lambda: T0, sleep=lambda s: None)
    captured = capsys.readouterr()
    assert code == 1
    assert f"tuning job {JOB} ended {final}: {reason}" in captured.err
    assert json.loads(captured.out)["status"] == final  # --json: one document, the last state


def test_watch_rides_out_a_passing_failure() -> None:
    from datetime import datetime, timezone

    from sagemaker_hpo.operate.summary import JobSummary

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    answers: list[Any] = [
        OperateError("throttled: ..."),
        JobSummary(name="j", status="InProgress", now=now),
        JobSummary(name="j", status="Completed", now=now),
    ]

    def refresh() -> JobSummary:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer  # type: ignore[no-any-return]

    shown: list[str] = []
    warnings: list[str] = []
    slept: list[float] = []
    last = watch(refresh, lambda s: shown.append(s.status), interval=5, sleep=slept.append, warn=warnings.append)
    assert last.status == "Completed" and shown == ["InProgress", "Completed"]
    assert slept == [5, 5] and len(warnings) == 1


def test_plot_is_written(sagemaker: StandIn, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "plot" / "status.png"
    assert cli_main(["status", JOB, "--plain", "--plot", str(target)]) == 0
    assert f"plot: {target}" in capsys.readouterr().out
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10_000


def test_plot_without_matplotlib_says_what_to_install(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert cli_main(["status", JOB, "--plain", "--plot", str(tmp_path / "p.png")]) == 2
    assert "pip install 'sagemaker-hpo-cdk[cli]'" in capsys.readouterr().err


def test_status_starts_without_aws_cdk(sagemaker: StandIn) -> None:
    probe = (
        "import sys\nfrom sagemaker_hpo.dryrun.cli import main\n"
        f"code = main(['status', {JOB!r}, '--json'])\n"
        "assert code == 0, code\nloaded = [m for m in ('aws_cdk', 'optuna', 'jsii') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["name"] == JOB


def test_an_unreachable_endpoint_is_one_line(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    assert cli_main(["status", JOB]) == EXIT_AWS
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach AWS for DescribeHyperParameterTuningJob") and err.count("\n") == 1


def test_watch_in_a_terminal_updates_in_place(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sagemaker.jobs[JOB] = _versions(sagemaker, "InProgress", "Completed")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code = operate_cli.main(["status", JOB, "--watch", "--top", "2"], clock=lambda: T0, sleep=lambda s: None)
    out = capsys.readouterr().out
    assert code == 0
    assert "\x1b[" in out  # rich's live display moved the cursor to redraw
    assert "top 2 training jobs" in out and f"tuning job {JOB} completed" in out


def test_the_ceiling_of_several_definitions_is_the_largest(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    (version,) = sagemaker.jobs[JOB]
    definition = version.pop("TrainingJobDefinition")
    large = {**definition, "ResourceConfig": {**definition["ResourceConfig"], "InstanceCount": 4}}
    version["TrainingJobDefinitions"] = [
        {**definition, "DefinitionName": "small"},
        {**large, "DefinitionName": "large"},
    ]
    document = run_json(capsys, JOB)
    assert document["instance_hours"]["ceiling"] == pytest.approx(COUNT * 4 * 3600 / 3600)


def test_without_boto3_status_says_what_to_install(
    sagemaker: StandIn, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "botocore.session", None)
    assert cli_main(["status", JOB]) == 2
    assert capsys.readouterr().err == "error: sagemaker-hpo status needs boto3: pip install 'sagemaker-hpo-cdk[cli]'\n"
