"""The dry run's report supports a decision (issue 21): one definition of best, the best trial's real epochs, a
table of top configurations, a plot against the epoch with the best labelled, the ceiling in dollars with a warning
when the runtime limit is far above what the trials needed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo.dryrun.checks import budget, budget_findings, runtime_findings
from sagemaker_hpo.dryrun.cli import main
from sagemaker_hpo.dryrun.job import job_spec_from_request
from sagemaker_hpo.dryrun.prices import price_table
from sagemaker_hpo.dryrun.progress import Progress
from sagemaker_hpo.dryrun.report import plot_figure
from sagemaker_hpo.dryrun.search import SearchResult
from sagemaker_hpo.dryrun.trials import EpochValue, TrialRecord
from tests.dryrun_support import request, write_assembly

SPEC = job_spec_from_request("Stack/Job", request(max_jobs=50, static={"epochs": "9"}))


def record(number: int, values: list[float], state: str = "completed", x: str = "0.3") -> TrialRecord:
    curve = [EpochValue(i + 1, 1.0 + i, v) for i, v in enumerate(values)]
    trial = TrialRecord(number, f"dryrun-{number:03d}", "search", f"trial {number}", {"epochs": "9", "x": x})
    trial.curve, trial.state, trial.started, trial.ended = curve, state, 0.5 * number, 1.0 + len(values) + number
    trial.stop_reason = "stopped by the strategy" if state == "stopped" else None
    return trial


@pytest.fixture(scope="module")
def dip_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str, Path]:
    # The last epoch of every trial is worse than the one before: the final objective and the best epoch differ.
    tmp_path = tmp_path_factory.mktemp("dip")
    app = write_assembly(tmp_path / "cdk.out", request(strategy="Random", max_jobs=6, static={"mode": "dip"}))
    out = tmp_path / "out"
    import contextlib
    import io

    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        code = main(
            ["dry-run", "--app", str(app), "--out", str(out), "--runner", "python", "--quiet", "--skip-checks"]
            + ["--max-epochs", "3", "--price-per-hour", "2"]
        )
    return code, json.loads((out / "report.json").read_text()), text.getvalue(), out


def test_best_is_the_final_objective_with_the_best_epoch_beside_it_and_the_real_epochs(
    dip_run: tuple[int, dict[str, Any], str, Path],
) -> None:
    code, report, out, _ = dip_run
    search = report["search"]
    finals = {t["number"]: t["final_objective"] for t in search["trials"]}
    best = search["best"]
    assert code == 0 and best["objective"] == max(finals.values()) == finals[best["trial"]]
    assert best["best_epoch"] == 2 and best["best_epoch_value"] > best["objective"]
    assert (best["epochs"], best["max_epochs"]) == (3, 3)
    assert report["checks"]["budget"]["cost_ceiling_usd"] == 6.0  # --price-per-hour 2 x 6 jobs x 1800 s
    assert "final objective" in search["best_definition"]
    line = next(line for line in out.splitlines() if "best (final objective" in line)
    assert f"validation:accuracy = {best['objective']:.4g} (best epoch {best['best_epoch_value']:.4g} at 2)" in line
    assert "after 3 of 3 epochs" in line and "epochs=" not in line  # not the static hyperparameter
    assert line.endswith(f"x={float(best['tuned_hyperparameters']['x']):.4g}")


def test_the_top_configurations_are_in_the_report_and_the_terminal(
    dip_run: tuple[int, dict[str, Any], str, Path],
) -> None:
    _, report, out, _ = dip_run
    rows = report["search"]["top_configurations"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, 5]
    finals = sorted((t["final_objective"] for t in report["search"]["trials"]), reverse=True)
    assert [r["objective"] for r in rows] == finals[:5]
    assert rows[0]["trial"] == report["search"]["best"]["trial"] and set(rows[0]["hyperparameters"]) == {"x"}
    lines = out.splitlines()
    header = lines.index("  top configurations:") + 1
    assert lines[header].split() == [
        "rank",
        "trial",
        "final",
        "validation:accuracy",
        "best",
        "epoch",
        "epochs",
        "state",
        "x",
    ]
    first = lines[header + 1].split()
    assert first[:3] == ["1", str(rows[0]["trial"]), f"{rows[0]['objective']:.4g}"] and first[5] == "3/3"


def test_the_progress_bar_shows_the_same_best_as_the_summary() -> None:
    progress = Progress("search", 3, "acc", True, enabled=False)
    for trial in (record(0, [0.5, 0.9, 0.7]), record(1, [0.6, 0.8]), record(2, [0.4], "stopped")):
        progress.event("end", trial)
    # Trial 1's final 0.8 beats trial 0's final 0.7, though trial 0 had the best single epoch (0.9).
    assert progress.best_text() == "best final acc 0.8 (trial 1)"
    progress.event("end", record(3, [0.95, 0.85]))
    assert progress.best_text() == "best final acc 0.85 (trial 3; best epoch 0.95 at 1)"


def test_the_plot_is_objective_per_epoch_with_the_best_labelled_and_best_so_far_over_time() -> None:
    trials = [
        record(0, [0.5, 0.7, 0.8], x="0.5"),
        record(1, [0.3], "stopped", x="0.9"),
        record(2, [0.6, 0.85, 0.9], x="0.31"),
        record(3, [0.2, 0.25], "stopped", x="0.01"),
    ]
    figure = plot_figure(SPEC, SearchResult(trials=trials, seconds=9.0), 0.88)
    left, right = figure.axes[:2]
    assert left.get_xlabel().startswith("epoch") and right.get_xlabel().startswith("seconds")
    labels = left.get_legend_handles_labels()[1]
    assert labels == [
        "stopped by the strategy",
        "completed",
        "Hyperband rung",
        "target 0.88",
        "best: trial 2",
    ]
    (box,) = [t.get_text() for t in left.texts if t.get_text().startswith("best")]
    assert box.splitlines() == ["best: trial 2 (3 epochs)", "final validation:accuracy = 0.9", "x = 0.31"]
    stopped = [line for line in left.lines if line.get_linestyle() == "--"]
    assert len(stopped) == 2 and all(line.get_color() == "#9a9a9a" for line in stopped)
    (steps,) = [line for line in right.lines if line.get_label() == "best final objective so far"]
    assert list(steps.get_ydata())[1:] == [0.3, 0.8, 0.9, 0.9]  # trials 1, 0, 2, 3 end at 3, 4, 6 and 6 s
    figure.clf()


def test_the_ceiling_is_in_dollars_from_the_shipped_table_or_the_given_price() -> None:
    table = price_table()
    assert table["source"].startswith("https://aws.amazon.com/sagemaker/pricing/") and table["as_of"]
    summary = budget(SPEC)  # 50 jobs x 1 ml.m5.xlarge x 1800 s = 25 instance-hours
    assert summary["price"]["usd_per_instance_hour"] == table["per_instance_hour"]["ml.m5.xlarge"]
    assert summary["cost_ceiling_usd"] == round(25 * table["per_instance_hour"]["ml.m5.xlarge"], 2)
    given = budget(SPEC, price_per_hour=2.0)
    assert given["cost_ceiling_usd"] == 50.0 and given["price"]["source"] == "--price-per-hour"
    (ceiling, _) = budget_findings(given)
    assert ceiling.message.endswith("= 25.0 instance-hours = $50.00 on demand ($2/h from --price-per-hour)")


def test_a_default_one_day_runtime_and_one_far_above_the_trials_are_flagged() -> None:
    day = job_spec_from_request("S/J", request(max_jobs=20))
    day = type(day)(**{**day.__dict__, "max_runtime_seconds": 86400})
    summary = budget(day)
    assert summary["instance_hours_ceiling"] == 480.0
    warnings = [f.message for f in budget_findings(summary) if f.severity == "warning"]
    assert warnings and warnings[0].startswith("each training job may run 1 day (MaxRuntimeInSeconds 86400")
    # The trial's first epoch ended 1 s after its start, then 1 s per epoch: about 9 s for all 9, a day is 9,600x.
    (finding,) = runtime_findings(summary, [record(0, [0.5, 0.6, 0.7], "stopped")], 9)
    assert finding.severity == "warning" and "is 9600x what the longest trial took here (9 s for 9 epochs)" in (
        finding.message
    )
    assert runtime_findings(budget(SPEC), [record(0, [0.5, 0.6, 0.7])], 9) == []  # 1800 s: within reason
