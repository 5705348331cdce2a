"""``sagemaker-hpo compare`` on an epoch budget: deterministic runs, their statistics, ``--json`` (issue 22).

The runs use the fast fake program of tests/dryrun_support.py with its sleep per epoch tuned too, so trials take
different times and the order in which they finish on the wall clock differs from their order on the schedule.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo.dryrun.cli import main
from sagemaker_hpo.dryrun.compare import epochs_to_target
from sagemaker_hpo.dryrun.stats import median_interval, paired, wilson
from sagemaker_hpo.dryrun.trials import EpochValue, TrialRecord
from tests.dryrun_support import request, write_assembly

BUDGET = 14


def compare(tmp_path: Path, name: str, *args: str) -> tuple[int, dict[str, Any], str]:
    """``compare`` on a three-slot Hyperband job with trials of 9 epochs; returns its code, JSON and document."""
    app = tmp_path / "cdk.out"
    if not app.exists():
        ranges = {
            "ContinuousParameterRanges": [
                {"Name": "x", "MinValue": "0", "MaxValue": "1", "ScalingType": "Linear"},
                {"Name": "sleep", "MinValue": "0", "MaxValue": "0.04", "ScalingType": "Linear"},
            ]
        }
        write_assembly(app, request(ranges=ranges, max_jobs=8, parallel=3, static={"epochs": "9"}))
    out = tmp_path / name
    code = main(
        [
            "compare",
            "--app",
            str(app),
            "--job",
            "Stack/Job",
            "--runner",
            "python",
            "--quiet",
            "--strategies",
            "Hyperband",
            "Random",
            "--seeds",
            "0",
            "1",
            "--targets",
            "0.9",
            "0.99",
            "--markdown",
            str(out / "doc.md"),
            "--plot",
            str(out / "doc.png"),
            "--json",
            str(out / "doc.json"),
            *args,
        ]
    )
    return code, json.loads((out / "doc.json").read_text()), (out / "doc.md").read_text()


def _tables(document: str) -> str:
    """The document without the generation date and the timings section (the parts that differ between runs)."""
    document = re.sub(r"on \d{4}-\d\d-\d\d \d\d:\d\d UTC", "on <date>", document)
    return document.split("## Timings")[0].replace("doc.png", "<plot>")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[int, dict[str, Any], str]]:
    tmp = tmp_path_factory.mktemp("compare")
    return [
        compare(tmp, "one", "--epoch-budget", str(BUDGET), "--parallel", "1"),
        compare(tmp, "three", "--epoch-budget", str(BUDGET), "--parallel", "3"),
    ]


def test_an_epoch_budget_gives_the_same_runs_twice_even_with_other_parallelism(
    runs: list[tuple[int, dict[str, Any], str]],
) -> None:
    (code, first, doc), (code_three, three, doc_three) = runs
    assert code == code_three == 0
    timings = [figures.pop("timings") for figures in (first, three)]
    assert first == three
    assert _tables(doc) == _tables(doc_three)
    assert all(len(t["runs"]) == 4 for t in timings)  # the wall clocks are kept, apart


def test_every_run_trains_the_same_epoch_budget_and_reports_its_figures(
    runs: list[tuple[int, dict[str, Any], str]],
) -> None:
    _, figures, _ = runs[0]
    assert figures["epoch_budget"] == BUDGET and figures["slots"] == 3
    assert [(r["strategy"], r["seed"]) for r in figures["runs"]] == [
        ("Hyperband", 0),
        ("Random", 0),
        ("Hyperband", 1),
        ("Random", 1),
    ]
    for run in figures["runs"]:
        assert set(run) >= {"trials", "stopped_trials", "epochs_run", "best_final_value", "epochs_to_target"}
        assert run["epochs_run"] == BUDGET == sum(t["epochs"] for t in run["trial_details"])
        assert run["ended_by"] == "epoch budget spent"
        assert run["best_final_value"] == max(t["final_value"] for t in run["trial_details"])
        reached = run["epochs_to_target"]["0.9"]
        assert reached is None or 1 <= reached <= BUDGET
    random = [r for r in figures["runs"] if r["strategy"] == "Random"]
    # Three slots of 9-epoch trials on a 14-epoch budget: three trials, stopped by the budget after 5, 5 and 4 epochs.
    assert all([t["epochs"] for t in r["trial_details"]] == [5, 5, 4] for r in random)
    assert all(r["stopped_trials"] == 3 for r in random)
    hyperband = [r for r in figures["runs"] if r["strategy"] == "Hyperband"]
    assert all(r["trials"] > 3 for r in hyperband)  # stopped early at its rungs, so it tried more trials
    assert all(
        t["stop_reason"] in ("stopped by the strategy", "epoch budget spent")
        for r in hyperband
        for t in r["trial_details"]
    )


def test_the_document_states_what_the_intervals_support(runs: list[tuple[int, dict[str, Any], str]]) -> None:
    _, figures, doc = runs[0]
    assert "## Measured: paired comparisons" in doc and "## Published, not measured here" in doc
    # Two seeds cannot separate anything: the document says so instead of ordering the medians.
    assert "no ordering is supported" in doc or "No order is stated" in doc
    pairs = figures["paired_comparisons"]["0.9"]
    assert [(p["first"], p["second"]) for p in pairs] == [("Hyperband", "Random")]
    assert pairs[0]["first_fewer"] + pairs[0]["even"] + pairs[0]["first_more"] == 2
    assert pairs[0]["verdict"] == "not separated"
    summary = figures["median_epochs_to_target"]["0.9"]["Hyperband"]
    assert summary["seeds"] == 2 and 0 <= summary["reached"] <= 2


def test_a_compare_without_any_budget_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = write_assembly(tmp_path / "cdk.out", request())
    common = ["compare", "--app", str(app), "--markdown", str(tmp_path / "d.md"), "--plot", str(tmp_path / "d.png")]
    assert main(common) == 2
    assert "compare needs a budget" in capsys.readouterr().err
    assert main([*common, "--epoch-budget", "0"]) == 2
    assert "--epoch-budget takes a positive number of epochs" in capsys.readouterr().err


def test_epochs_to_a_target_follow_the_schedule_not_the_wall_clock() -> None:
    slow = TrialRecord(0, "a", "search", "trial 0", {})
    slow.curve = [EpochValue(1, 9.0, 0.5, clock=1), EpochValue(2, 10.0, 0.97, clock=2)]
    fast = TrialRecord(1, "b", "search", "trial 1", {})
    fast.curve = [EpochValue(1, 0.5, 0.6, clock=1), EpochValue(2, 1.0, 0.7, clock=2), EpochValue(3, 1.5, 0.8, clock=3)]
    # On the schedule trial 0's second epoch is the third value taken, though trial 1 finished first on the wall clock.
    assert epochs_to_target([slow, fast], 0.96, maximize=True) == 3
    assert epochs_to_target([slow, fast], 0.99, maximize=True) is None


def test_the_median_interval_is_the_exact_order_statistic_interval() -> None:
    values = [float(v) for v in (50, 10, 40, 20, 30, 90, 60, 80, 70, 100)]
    found = median_interval(values)
    # n = 10: [x(2), x(9)] covers the median with probability 1 - 2 * 11 / 1024.
    assert (found.median, found.low, found.high) == (55.0, 20.0, 90.0)
    assert found.coverage == pytest.approx(1 - 22 / 1024)
    # Runs that never reached the target sort last.
    censored = median_interval([1.0, 2.0, math.inf, math.inf, math.inf])
    assert math.isinf(censored.median) and censored.low == 1.0 and math.isinf(censored.high)


def test_paired_comparisons_separate_only_beyond_chance() -> None:
    assert wilson(9, 10).low > 0.5 and wilson(8, 10).low < 0.5
    assert wilson(0, 10).low == 0.0 and wilson(10, 10).high == 1.0
    nine = paired("Hyperband", "Random", [1, 2, 3, 4, 5, 6, 7, 8, 9, 99], [5] * 9 + [math.inf])
    assert (nine.fewer, nine.ties, nine.more) == (5, 1, 4)
    assert nine.verdict == "not separated"
    clear = paired("Hyperband", "Random", [1.0] * 9 + [math.inf], [2.0] * 9 + [math.inf])
    assert (clear.fewer, clear.ties, clear.more, clear.verdict) == (9, 1, 0, "fewer")
    assert paired("A", "B", [3.0] * 10, [1.0] * 10).verdict == "more"


def _run(strategy: str, seed: int, epochs: int | None) -> Any:
    from sagemaker_hpo.dryrun.compare import Run
    from sagemaker_hpo.dryrun.search import SearchResult

    return Run(strategy, seed, SearchResult(), {0.975: epochs}, {0.975: None}, None, 0.0)


def test_an_ordering_is_stated_only_where_the_paired_intervals_support_it() -> None:
    from sagemaker_hpo.dryrun.compare import ordering_lines

    seeds = list(range(10))
    runs = [_run("Hyperband", s, 5 + s) for s in seeds]
    runs += [_run("Random", s, None if s == 0 else 30) for s in seeds]  # never reached with seed 0: more than any
    runs += [_run("Bayesian", s, 40 if s % 2 else 8) for s in seeds]  # beats Hyperband in some seeds only
    [line] = ordering_lines(runs, ["Hyperband", "Random"], seeds, [0.975])
    assert line.startswith("- Epochs to 0.975: the intervals support the order Hyperband < Random")
    assert "in 10 of 10 seeds" in line
    [mixed] = ordering_lines(runs, ["Hyperband", "Bayesian", "Random"], seeds, [0.975])
    assert "Hyperband needed fewer epochs than Random in 10 of 10 seeds" in mixed
    assert "No order is stated between Hyperband and Bayesian, Bayesian and Random" in mixed
    [none] = ordering_lines(runs, ["Hyperband", "Bayesian"], seeds, [0.975])
    assert "no ordering is supported" in none
