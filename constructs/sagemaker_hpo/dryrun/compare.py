"""``sagemaker-hpo compare``: one job under several strategies and seeds with equal budgets (``make reproduce``).

The checks run once (their first-rung values seed Hyperband's rungs in every Hyperband run); then each seed runs
every strategy in turn. With ``--epoch-budget`` every run may train the same number of epochs and its schedule is
decided by epochs (:mod:`.search`), so the same job, strategy, seed and budget give the same run on any machine and
under any load. The document holds only what ran: every run, per target the median epochs with an exact interval
and the seeds that reached it, paired comparisons between the strategies, orderings only where those intervals
support them, the published figures apart, and the timings (the one part that differs from run to run) last.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cli import (
    PreparedJob,
    UsageError,
    first_rung_values,
    load_assembly,
    parse_pairs,
    prepare,
    print_findings,
    run_checks_phase,
    run_search_phase,
    with_strategy,
)
from .extras import require
from .job import JobSpec
from .report import best_trial, time_to_target
from .search import SearchResult, SearchSettings, effective_spec
from .stats import MedianInterval, PairedComparison, median_interval, paired
from .strategy import rungs
from .trials import TrialRecord


def epochs_to_target(trials: Sequence[TrialRecord], target: float, maximize: bool) -> int | None:
    """Epochs all trials had trained when any trial's objective first reached ``target`` (``None``: never).

    On the epoch schedule the epochs are counted in the schedule's order (its clock, then the trial number), which
    does not depend on the wall clock; otherwise in the order the values arrived.
    """
    points = [(p.clock, r.number, p.value) for r in trials for p in r.curve if p.clock is not None]
    if not points:
        reached = time_to_target(trials, target, maximize)
        return reached.epochs if reached is not None else None
    for index, (_clock, _number, value) in enumerate(sorted(points)):
        if math.isfinite(value) and (value >= target if maximize else value <= target):
            return index + 1
    return None


@dataclass
class Run:
    """One strategy and seed: its search, and what it took to reach each target.

    :param epochs_to: target -> epochs all trials had trained when it was first reached (``None``: not reached).
    :param seconds_to: target -> wall clock since the search started then (a timing: differs between runs).
    :param best: the best final objective value of a trial.
    :param wall_seconds: the run's wall clock.
    """

    strategy: str
    seed: int
    result: SearchResult
    epochs_to: dict[float, int | None]
    seconds_to: dict[float, float | None]
    best: float | None
    wall_seconds: float

    @property
    def stopped(self) -> int:
        """Trials stopped before their last epoch (by the strategy or by a budget)."""
        return sum(1 for t in self.result.trials if t.state == "stopped")

    @property
    def epochs_run(self) -> int:
        """Epochs all of the run's trials trained."""
        return sum(len(t.curve) for t in self.result.trials)

    def as_dict(self) -> dict[str, Any]:
        """The run's figures for ``--json`` (timings apart: see :func:`timings_dict`)."""
        return {
            "strategy": self.strategy,
            "seed": self.seed,
            "trials": len(self.result.trials),
            "stopped_trials": self.stopped,
            "epochs_run": self.epochs_run,
            "best_final_value": self.best,
            "epochs_to_target": {f"{t:g}": e for t, e in self.epochs_to.items()},
            "ended_by": self.result.ended_by,
            "trial_details": [
                {
                    "number": t.number,
                    "hyperparameters": t.hyperparameters,
                    "state": t.state,
                    "stop_reason": t.stop_reason,
                    "epochs": len(t.curve),
                    "final_value": t.final_value,
                }
                for t in self.result.trials
            ],
        }


def cpu_model() -> str:
    """The CPU's model name (Linux), else the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    """The 1-minute load average, or ``n/a``."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "n/a"


def compare(args: argparse.Namespace) -> int:
    """Run every strategy and seed and write the Markdown document, its plot and (``--json``) the figures."""
    import tempfile

    if args.epoch_budget is not None and args.epoch_budget < 1:
        raise UsageError(f"--epoch-budget takes a positive number of epochs, got {args.epoch_budget}")
    if args.slots is not None and args.slots < 1:
        raise UsageError(f"--slots takes a positive number of trials, got {args.slots}")
    if args.epoch_budget is None and args.time_budget is None:
        raise UsageError("compare needs a budget: --epoch-budget (deterministic) or --time-budget (seconds)")
    with tempfile.TemporaryDirectory(prefix="sagemaker-hpo-synth-") as scratch:
        prepared = prepare(args, load_assembly(args, Path(scratch)))
    if prepared.program is None:
        print(f"error: {prepared.spec.path} has no program that runs here ({prepared.source.uri})")
        return 2
    with tempfile.TemporaryDirectory(prefix="sagemaker-hpo-compare-") as scratch_work:
        return _compare(args, prepared, Path(scratch_work))


@dataclass(frozen=True)
class Timings:
    """What differs from one run of the command to the next: wall clocks and the machine's load."""

    checks_seconds: float
    total_seconds: float
    loads: tuple[str, str, str]


def _compare(args: argparse.Namespace, prepared: PreparedJob, work: Path) -> int:
    """:func:`compare` with a scratch folder for the trials."""
    base = effective_spec(prepared.spec, SearchSettings(max_epochs=args.max_epochs))
    by_epochs = args.epoch_budget is not None
    load_before = load_average()
    started = time.monotonic()
    # One thread per trial on the epoch schedule: the checks' values seed Hyperband's rungs, so they too must not
    # depend on how many trials share the cores.
    checks = run_checks_phase(
        prepared, with_strategy(base, "Hyperband"), work / "checks", args.quiet, threads=1 if by_epochs else None
    )
    print("checks:")
    print_findings(checks.findings)
    if not checks.search_possible:
        print("the checks found errors that make every trial fail; nothing compared")
        return 1
    seeds = first_rung_values(with_strategy(base, "Hyperband"), checks)
    checks_seconds = time.monotonic() - started
    runs: list[Run] = []
    loads = [load_before]
    for seed in args.seeds:
        for strategy in args.strategies:
            loads.append(load_average())
            spec = with_strategy(base, strategy)
            settings = SearchSettings(
                max_jobs=args.max_jobs,
                parallel=prepared.parallel,
                time_budget=args.time_budget,
                seed=seed,
                epoch_budget=args.epoch_budget,
                slots=args.slots,
            )
            print(f"{strategy}, seed {seed}:", flush=True)
            began = time.monotonic()
            result = run_search_phase(
                prepared,
                spec,
                settings,
                work / f"{strategy}-{seed}",
                seeds if strategy == "Hyperband" else [],
                args.quiet,
            )
            best = best_trial(result.trials, spec.maximize)
            seconds_to = {}
            for target in args.targets:
                reached = time_to_target(result.trials, target, spec.maximize)
                seconds_to[target] = reached.seconds if reached is not None else None
            run = Run(
                strategy,
                seed,
                result,
                {t: epochs_to_target(result.trials, t, spec.maximize) for t in args.targets},
                seconds_to,
                best.final_value if best else None,
                time.monotonic() - began,
            )
            runs.append(run)
            shown = ", ".join(f"{t:g}: {_epochs(e)}" for t, e in run.epochs_to.items())
            print(
                f"  {len(result.trials)} trials, {run.epochs_run} epochs, best {run.best}; epochs to {shown} "
                f"({run.wall_seconds:.0f} s)",
                flush=True,
            )
        # Written after every seed: a command cut short still leaves the seeds it finished (and says so).
        _write(runs, args, prepared, base, seeds, started, checks_seconds, loads, partial=seed != args.seeds[-1])
    return 0


def _write(
    runs: Sequence[Run],
    args: argparse.Namespace,
    prepared: PreparedJob,
    base: JobSpec,
    seed_values: Sequence[float],
    started: float,
    checks_seconds: float,
    loads: Sequence[str],
    *,
    partial: bool,
) -> None:
    """Write the document, its plot and ``--json`` for the seeds finished so far."""
    done = [s for s in args.seeds if any(r.seed == s for r in runs)]
    finished = argparse.Namespace(**{**vars(args), "seeds": done})
    total = time.monotonic() - started
    timings = Timings(checks_seconds, total, (loads[0], load_average(), _load_range(loads)))
    write_plot(runs, args.targets, args.strategies, args.plot)
    published = {k: float(v) for k, v in parse_pairs(args.published, "--published").items()}
    text = markdown(
        runs,
        finished,
        prepared,
        base.max_resource,
        published,
        timings=timings,
        seed_values=seed_values,
        maximize=base.maximize,
        planned_seeds=len(args.seeds) if partial else None,
    )
    args.markdown.parent.mkdir(parents=True, exist_ok=True)
    args.markdown.write_text(text, encoding="utf-8")
    written = [str(args.markdown), str(args.plot)]
    if args.json is not None:
        figures = figures_dict(runs, finished, prepared, base.max_resource, seed_values)
        figures["complete"] = not partial
        figures["timings"] = timings_dict(runs, timings)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
        written.append(str(args.json))
    print(f"wrote {', '.join(written)} ({len(done)} of {len(args.seeds)} seeds) after {total:.0f} s", flush=True)


def _load_range(loads: Sequence[str]) -> str:
    """``between A and B`` of the load averages sampled (``n/a`` ones left out)."""
    numbers = sorted(float(v) for v in loads if v != "n/a")
    return f"between {numbers[0]:.2f} and {numbers[-1]:.2f}" if numbers else "n/a"


def _epochs(value: float | None) -> str:
    """Epochs as a whole number (a median of two may end in .5); ``not reached`` for none or infinity."""
    if value is None or math.isinf(value):
        return "not reached"
    return f"{value:g}"


def _as_epochs(value: int | None) -> float:
    """A run's epochs to a target for the statistics: not reached sorts after every number."""
    return math.inf if value is None else float(value)


def per_seed(runs: Sequence[Run], strategy: str, seeds: Sequence[int], target: float) -> list[float]:
    """``strategy``'s epochs to ``target`` in the order of ``seeds`` (``inf``: not reached)."""
    found = {r.seed: r for r in runs if r.strategy == strategy}
    return [_as_epochs(found[s].epochs_to[target]) for s in seeds if s in found]


def summaries(runs: Sequence[Run], strategies: Sequence[str], seeds: Sequence[int], target: float) -> dict[str, Any]:
    """Per strategy: the median epochs to ``target`` with its interval, and how many seeds reached it."""
    found: dict[str, Any] = {}
    for strategy in strategies:
        values = per_seed(runs, strategy, seeds, target)
        if values:
            found[strategy] = (median_interval(values), sum(1 for v in values if math.isfinite(v)), len(values))
    return found


def comparisons(
    runs: Sequence[Run], strategies: Sequence[str], seeds: Sequence[int], target: float
) -> list[PairedComparison]:
    """Every pair of strategies, paired by seed (the first strategy of the list against each later one, and so on)."""
    pairs = []
    for i, first in enumerate(strategies):
        for second in strategies[i + 1 :]:
            a, b = per_seed(runs, first, seeds, target), per_seed(runs, second, seeds, target)
            if a and len(a) == len(b):
                pairs.append(paired(first, second, a, b))
    return pairs


def _share(comparison: PairedComparison) -> str:
    share = comparison.fewer_share
    return f"{share.fraction:.2f} ({share.low:.2f} to {share.high:.2f})"


def ordering_lines(
    runs: Sequence[Run], strategies: Sequence[str], seeds: Sequence[int], targets: Sequence[float]
) -> list[str]:
    """Per target, the ordering the paired intervals support, said plainly where they support none."""
    lines = []
    for target in targets:
        pairs = comparisons(runs, strategies, seeds, target)
        stats = summaries(runs, strategies, seeds, target)
        separated = [p for p in pairs if p.verdict != "not separated"]
        said = []
        for p in separated:
            faster, slower = (p.first, p.second) if p.verdict == "fewer" else (p.second, p.first)
            count = p.fewer if p.verdict == "fewer" else p.more
            share = p.fewer_share if p.verdict == "fewer" else p.more_share
            said.append(
                f"{faster} needed fewer epochs than {slower} in {count} of {p.seeds} seeds "
                f"(95 % interval of that fraction {share.low:.2f} to {share.high:.2f}, above one half)"
            )
        order = sorted(stats, key=lambda s: (stats[s][0].median, s))
        full = len(separated) == len(pairs) and len(pairs) > 0 and _consistent(order, separated)
        if full:
            lines.append(
                f"- Epochs to {target:g}: the intervals support the order {' < '.join(order)}: {'; '.join(said)}."
            )
        elif separated:
            open_pairs = [f"{p.first} and {p.second}" for p in pairs if p.verdict == "not separated"]
            lines.append(
                f"- Epochs to {target:g}: {'; '.join(said)}. No order is stated between {', '.join(open_pairs)}: "
                "the interval of each fraction includes one half."
            )
        else:
            lines.append(
                f"- Epochs to {target:g}: no ordering is supported. For every pair of strategies the 95 % interval "
                f"of the fraction of seeds where one needed fewer epochs includes one half, so {len(seeds)} seeds "
                "cannot tell them apart, whatever the medians above say."
            )
    return lines


def _consistent(order: Sequence[str], separated: Sequence[PairedComparison]) -> bool:
    """Whether every separated pair agrees with ``order`` (the order of the medians)."""
    rank = {s: i for i, s in enumerate(order)}
    for p in separated:
        faster, slower = (p.first, p.second) if p.verdict == "fewer" else (p.second, p.first)
        if rank[faster] > rank[slower]:
            return False
    return True


def _interval(stat: MedianInterval) -> str:
    return f"{_epochs(stat.median)} ({_epochs(stat.low)} to {_epochs(stat.high)})"


def markdown(
    runs: Sequence[Run],
    args: argparse.Namespace,
    prepared: PreparedJob,
    max_epochs: int | None,
    published: dict[str, float],
    *,
    timings: Timings,
    seed_values: Sequence[float],
    maximize: bool = True,
    planned_seeds: int | None = None,
) -> str:
    """The document: settings, every run, medians with intervals, paired comparisons, what they support, the
    published figures apart, what it does not show, and last the timings (the only part that changes between runs).
    """
    spec = prepared.spec
    targets: list[float] = list(args.targets)
    seeds: list[int] = list(args.seeds)
    strategies: list[str] = list(args.strategies)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    by_epochs = args.epoch_budget is not None
    slots = SearchSettings(slots=args.slots).schedule_slots(spec)
    budget = (
        f"a budget of {args.epoch_budget} epochs (all of its trials together), {slots} trials in flight at a time on "
        "the epoch schedule"
        if by_epochs
        else f"a time budget of {args.time_budget:g} s, {prepared.parallel} trials at a time"
    )
    if by_epochs and args.time_budget is not None:
        budget += f", and a time budget of {args.time_budget:g} s"
    lines = [
        "# Experiment 1 reproduced on this machine's CPU: Hyperband vs Bayesian vs Random",
        "",
        f"Generated by `{args.command_line or 'sagemaker-hpo compare'}` on {now}: the job `{spec.path}` of the default "
        "app, rehearsed by `sagemaker-hpo dry-run`'s machinery (its own training program, its ranges and metric "
        "regexes, Optuna for the strategies). Every number below is what this run measured; nothing is tuned or "
        "edited by hand.",
        "",
        *(
            [
                f"**Partial: {len(seeds)} of the {planned_seeds} planned seeds.** The command writes this document "
                "after every seed; it had not finished all of them when this was written.",
                "",
            ]
            if planned_seeds is not None
            else []
        ),
        "## Settings",
        "",
        f"- Each run: {budget}; up to {args.max_jobs or spec.max_jobs} trials, {max_epochs} epochs per trial at "
        f"most; {len(seeds)} seeds ({', '.join(str(s) for s in seeds)}) per strategy; strategies "
        f"{', '.join(strategies)}. Seed `s` of one strategy and seed `s` of another are paired in the comparisons.",
        "- Hyperband: random sampling with successive halving (reduction factor 3, rungs at "
        f"{', '.join(str(r) for r in rungs(with_strategy(spec, 'Hyperband')))} epochs), its first rung seeded with "
        f"{len(seed_values)} values of the checks' short trials (range ends and the baseline), so early trials have "
        "competitors. Bayesian: TPE. Random: random sampling. No early stopping for Bayesian or Random (the job's "
        "`TrainingJobEarlyStoppingType` is `Off`). Hyperband and Random draw from the same generator with the same "
        "seed, so seed `s` of both tries the same configurations in the same order (Hyperband stops poor ones early "
        "and goes on to more); TPE's first 10 trials come from that generator too.",
    ]
    if by_epochs:
        lines.append(
            "- The schedule is decided by epochs, not by the wall clock: the trials in flight advance one epoch at a "
            "time on a simulated clock, their values are taken in trial order, stopped or finished trials free their "
            "slots for new ones, and the training program runs with one thread per trial and a fixed seed. The same "
            "job, strategy, seed and budget give the same trials, stops and epochs whatever the machine's load and "
            "however many programs run at once (`--parallel`). Every table below is the same in every run of the "
            "command; only the timings at the end differ."
        )
    else:
        lines.append(
            "- Trials are scheduled by the wall clock (as they finish), so which trials start, finish first and get "
            "promoted depends on the machine's load: two runs of this command differ. `--epoch-budget` makes them "
            "deterministic."
        )
    lines += [
        "- Epochs to a target: the epochs all of a run's trials had trained when any trial's "
        f"`{spec.objective_name}` first reached it at any epoch (the per-epoch values Hyperband's rungs see), counted "
        "in the schedule's order. Best final value: the best last value of a trial (SageMaker's final objective of a "
        "training job, stopped ones included), which can be below a target an earlier epoch reached.",
        "",
        "## Measured: every run",
        "",
        "| strategy | seed | trials | stopped | epochs run | best final value | "
        + " | ".join(f"epochs to {t:g}" for t in targets)
        + " |",
        "| --- | --- | --- | --- | --- | --- | " + " | ".join("---" for _ in targets) + " |",
    ]
    for run in sorted(runs, key=lambda r: (strategies.index(r.strategy), r.seed)):
        best = "-" if run.best is None else f"{run.best:.4f}"
        row = " | ".join(_epochs(run.epochs_to[t]) for t in targets)
        lines.append(
            f"| {run.strategy} | {run.seed} | {len(run.result.trials)} | {run.stopped} | {run.epochs_run} | {best} | "
            f"{row} |"
        )
    coverage = median_interval([0.0] * len(seeds)).coverage if seeds else 0.0
    lines += [
        "",
        "## Measured: median epochs to each target",
        "",
        f"Median over the {len(seeds)} seeds, with a distribution-free interval for the median (order statistics of "
        f"the seeds' values; exact coverage {coverage:.1%}, no random numbers involved). A run that never reached the "
        "target counts as needing more epochs than any run that did, so a median or an interval end can read "
        "`not reached`.",
        "",
        "| strategy | " + " | ".join(f"median epochs to {t:g} (interval) | reached {t:g}" for t in targets) + " |",
        "| --- | " + " | ".join("--- | ---" for _ in targets) + " |",
    ]
    stats = {t: summaries(runs, strategies, seeds, t) for t in targets}
    for strategy in strategies:
        cells: list[str] = []
        for target in targets:
            if strategy not in stats[target]:
                cells.append("- | -")
                continue
            interval, reached, total = stats[target][strategy]
            cells.append(f"{_interval(interval)} | {reached} of {total}")
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Measured: paired comparisons",
        "",
        "For each pair of strategies and each target: in how many seeds the first needed fewer epochs than the second, "
        "as many, or more (a run that reached the target beats one that did not; two that did not are even), and the "
        "fraction of seeds where the first needed fewer, with Wilson's 95 % interval. A pair is separated only when "
        "the interval of one side's fraction lies above one half.",
        "",
        "| target | first | second | first fewer | even | first more | fraction first fewer (95 % interval) | "
        "verdict |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for target in targets:
        for p in comparisons(runs, strategies, seeds, target):
            verdict = {
                "fewer": f"{p.first} fewer",
                "more": f"{p.second} fewer",
                "not separated": "not separated",
            }[p.verdict]
            lines.append(
                f"| {target:g} | {p.first} | {p.second} | {p.fewer} | {p.ties} | {p.more} | {_share(p)} | {verdict} |"
            )
    lines += [
        "",
        "## What the intervals support",
        "",
        *ordering_lines(runs, strategies, seeds, targets),
        "",
        f"![epochs to each target per strategy]({args.plot.name})",
        "",
        "Left: the best value so far of every run against the epochs its trials had trained (dashed: the targets). "
        "Right: each seed's epochs to each target per strategy (a cross at the right edge: not reached), the bar the "
        "median.",
        "",
        "## Published, not measured here",
        "",
    ]
    if published:
        order = " < ".join(f"{s} ({v:g} s)" for s, v in sorted(published.items(), key=lambda item: item[1]))
        lines.append(
            "- The announcement's experiment 1 on SageMaker (`ml.m5.xlarge` instances), wall clock to 96 % validation "
            f"accuracy, fastest first: {order}. One run per strategy is reported, without seeds or intervals."
        )
    else:
        lines.append("- No published figures were given (`--published`).")
    lines += [
        "- The figures above are epochs on this machine, not seconds on SageMaker: only an ordering can be set beside "
        "the published one, and only where the intervals support one.",
        "",
        "## What this shows and what it does not",
        "",
        f"- It shows, for this job and its ranges, how many epochs each strategy's search trained before any trial "
        f"first reached each target, over {len(seeds)} seeds with the same epoch budget, and whether those "
        "differences are larger than seed-to-seed chance. Runs are deterministic, so anyone can check a number by "
        "running the command again."
        if by_epochs
        else "- It shows one wall-clock run per strategy and seed on this machine; the numbers move between runs.",
        "- It does not show wall-clock speed-ups: epochs differ in cost between configurations (on the MLP an epoch "
        "of 1,000 units with batches of 10 takes over a hundred times as long as one of 10 units with batches of 200), "
        "each trial here also pays for starting its program, SageMaker adds minutes of instance start-up per training "
        "job, and the published 357 / 560 / 614 s include that overhead.",
        "- It does not reproduce SageMaker's own Hyperband and Bayesian optimization, whose internals are not "
        "published: Optuna's successive halving and TPE stand in for them, on a far smaller budget than the "
        "published experiment's.",
        f"- {len(seeds)} seeds separate only large differences: with Wilson's interval a pair is separated when "
        f"about {_needed(len(seeds))} of {len(seeds)} seeds agree. A pair reported as not separated may still differ; "
        "this run cannot tell.",
        _easy_target_note(runs, targets),
        *_same_trials_note(runs, seeds),
        "",
        "## Timings (these differ from run to run)",
        "",
        f"- Machine: {os.cpu_count()} CPU cores ({cpu_model()}), shared with other work: the 1-minute load average "
        f"was {timings.loads[0]} at the start, {timings.loads[2]} as the runs started and {timings.loads[1]} at the "
        f"end.",
        f"- The checks ran once first ({timings.checks_seconds:.0f} s, not counted in any run). Whole command: "
        f"{timings.total_seconds:.0f} s, {prepared.parallel} programs at a time.",
    ]
    for strategy in strategies:
        mine = [r.wall_seconds for r in runs if r.strategy == strategy]
        if mine:
            lines.append(
                f"- {strategy}: {sum(mine):.0f} s for {len(mine)} runs (median {statistics.median(mine):.0f} s per run)."
            )
    lines.append("")
    return "\n".join(lines)


def _same_trials_note(runs: Sequence[Run], seeds: Sequence[int]) -> list[str]:
    """Say so where two strategies ran the very same trials for every seed (TPE's first trials are random ones)."""
    found = []
    names = list(dict.fromkeys(r.strategy for r in runs))
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            same = all(
                [t.hyperparameters for t in a.result.trials] == [t.hyperparameters for t in b.result.trials]
                for a in runs
                for b in runs
                if a.strategy == first and b.strategy == second and a.seed == b.seed
            )
            if "Bayesian" not in (first, second):
                continue
            if same and any(r.strategy == first for r in runs) and any(r.strategy == second for r in runs):
                most = max(len(r.result.trials) for r in runs if r.strategy in (first, second))
                found.append(
                    f"- {first} and {second} ran the very same trials for every seed (at most {most} per run): TPE "
                    "samples its first 10 trials at random, with the same generator as random search, so within this "
                    f"budget {first if first == 'Bayesian' else second} never got to use what it learned. Their rows "
                    "are equal, and this run says nothing about Bayesian optimization beyond its random start."
                )
    return found


def _needed(seeds: int) -> int:
    """The fewest seeds of ``seeds`` whose Wilson interval lies above one half."""
    from .stats import wilson

    return next((k for k in range(seeds + 1) if wilson(k, seeds).low > 0.5), seeds)


def _easy_target_note(runs: Sequence[Run], targets: Sequence[float]) -> str:
    """What the first target says, from the runs themselves."""
    if not targets:
        return "- No target was measured."
    first = targets[0]
    values = [r.epochs_to[first] for r in runs]
    hits = [v for v in values if v is not None]
    text = f"- Epochs to {first:g}: {len(hits)} of {len(runs)} runs reached it"
    if hits:
        text += f", a median of {statistics.median(hits):g} epochs over those"
    text += "."
    if len(hits) == len(runs) and hits and statistics.median(hits) <= 10:
        text += (
            " Almost every run reaches it within its first trials on this synthetic data, so it says little about the "
            "strategies; the harder targets are where early stopping can pay."
        )
    return text


def figures_dict(
    runs: Sequence[Run],
    args: argparse.Namespace,
    prepared: PreparedJob,
    max_epochs: int | None,
    seed_values: Sequence[float],
) -> dict[str, Any]:
    """``--json``: the settings, every run, the medians and the paired comparisons (no timings: the same every run)."""
    targets: list[float] = list(args.targets)
    seeds: list[int] = list(args.seeds)
    strategies: list[str] = list(args.strategies)
    summary: dict[str, Any] = {}
    pairs: dict[str, Any] = {}
    for target in targets:
        key = f"{target:g}"
        summary[key] = {
            strategy: {
                "median_epochs": _finite(stat.median),
                "interval": [_finite(stat.low), _finite(stat.high)],
                "coverage": round(stat.coverage, 4),
                "reached": reached,
                "seeds": total,
            }
            for strategy, (stat, reached, total) in summaries(runs, strategies, seeds, target).items()
        }
        pairs[key] = [
            {
                "first": p.first,
                "second": p.second,
                "first_fewer": p.fewer,
                "even": p.ties,
                "first_more": p.more,
                "fraction_first_fewer": round(p.fewer_share.fraction, 4),
                "interval": [round(p.fewer_share.low, 4), round(p.fewer_share.high, 4)],
                "verdict": p.verdict,
            }
            for p in comparisons(runs, strategies, seeds, target)
        ]
    return {
        "job": prepared.spec.path,
        "strategies": strategies,
        "seeds": seeds,
        "targets": targets,
        "epoch_budget": args.epoch_budget,
        "time_budget": args.time_budget,
        "slots": SearchSettings(slots=args.slots).schedule_slots(prepared.spec),
        "max_epochs": max_epochs,
        "hyperband_seed_values": list(seed_values),
        "runs": [r.as_dict() for r in runs],
        "median_epochs_to_target": summary,
        "paired_comparisons": pairs,
    }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def timings_dict(runs: Sequence[Run], timings: Timings) -> dict[str, Any]:
    """The wall clocks and loads of this run of the command (the part of ``--json`` that differs between runs)."""
    return {
        "checks_seconds": round(timings.checks_seconds, 1),
        "total_seconds": round(timings.total_seconds, 1),
        "load_average": {"start": timings.loads[0], "runs": timings.loads[2], "end": timings.loads[1]},
        "runs": [
            {
                "strategy": r.strategy,
                "seed": r.seed,
                "wall_seconds": round(r.wall_seconds, 1),
                "seconds_to_target": {f"{t:g}": None if v is None else round(v, 1) for t, v in r.seconds_to.items()},
            }
            for r in runs
        ],
    }


def write_plot(runs: Sequence[Run], targets: Sequence[float], strategies: Sequence[str], path: Path) -> None:
    """Every run's best value so far against its epochs, and each seed's epochs to each target per strategy."""
    matplotlib = require("matplotlib")
    matplotlib.use("Agg")
    pyplot = require("matplotlib.pyplot")
    figure, (curves, strips) = pyplot.subplots(1, 2, figsize=(12, 5))
    colors = {s: f"C{i}" for i, s in enumerate(strategies)}
    labelled: set[str] = set()
    for run in runs:
        points = sorted(
            (p.clock if p.clock is not None else p.seconds, t.number, p.value)
            for t in run.result.trials
            for p in t.curve
            if math.isfinite(p.value)
        )
        xs, ys, best = [], [], -math.inf
        for index, (_, _, value) in enumerate(points):
            best = max(best, value)
            xs.append(index + 1)
            ys.append(best)
        curves.step(
            xs,
            ys,
            where="post",
            color=colors[run.strategy],
            alpha=0.5,
            linewidth=1,
            label=None if run.strategy in labelled else run.strategy,
        )
        labelled.add(run.strategy)
    for target in targets:
        curves.axhline(target, color="grey", linestyle="--", linewidth=1)
    curves.set_ylim(0.9, 1.0)
    curves.set_xlabel("epochs trained by all of the run's trials")
    curves.set_ylabel("best objective value so far")
    curves.set_title("best value so far, every run", fontsize=9)
    curves.legend(fontsize=8)
    curves.grid(alpha=0.3)
    ceiling = max((r.epochs_run for r in runs), default=1)
    rows = [(s, t) for t in targets for s in strategies]
    for row, (strategy, target) in enumerate(rows):
        values = [r.epochs_to[target] for r in runs if r.strategy == strategy]
        reached = [v for v in values if v is not None]
        missed = len(values) - len(reached)
        strips.scatter(reached, [row] * len(reached), color=colors[strategy], alpha=0.6, s=18)
        if missed:
            strips.scatter([ceiling] * missed, [row] * missed, color=colors[strategy], marker="x", s=30)
        if values:
            median = statistics.median(_as_epochs(v) for v in values)
            if math.isfinite(median):
                strips.plot([median, median], [row - 0.3, row + 0.3], color="black", linewidth=2)
    strips.set_yticks(range(len(rows)))
    strips.set_yticklabels([f"{s} to {t:g}" for s, t in rows], fontsize=8)
    strips.set_xscale("symlog", linthresh=10)
    strips.set_xlabel("epochs to the target (x: not reached)")
    strips.set_title("epochs to each target, one point per seed", fontsize=9)
    strips.grid(alpha=0.3)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
