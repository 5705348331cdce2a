"""The ``sagemaker-hpo`` command: ``dry-run`` (rehearse one tuning job) and ``compare`` (strategies side by side);
``status`` and ``analytics`` (follow a deployed job) are :mod:`sagemaker_hpo.operate.cli`'s.

Exit codes: 0 nothing wrong found, 1 a check found an error in the job (or no search could run), 2 bad usage or a
missing extra, 3 a local setup problem (:mod:`.environment`: this machine, not the job).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..operate import cli as operate_cli
from .assembly import Assembly, AssemblyError, ProgramSource, read_assembly, synthesize_app
from .builtin import builtin_findings
from .checks import CheckResult, Finding, budget, budget_findings, run_checks, runtime_findings
from .contract import Program, ProgramError, build_image, find_program
from .environment import SETUP_EXIT_CODE, SetupProblem, setup_problems
from .extras import MissingExtraError, check_all
from .job import JobSpec, JobSpecError
from .progress import Progress
from .report import build_report, summary_lines, write_plot, write_report
from .search import SearchResult, SearchSettings, effective_spec, planned_jobs, run_search
from .trials import TrialRunner

STRATEGIES = ("Hyperband", "Bayesian", "Random", "Grid")


class UsageError(Exception):
    """Bad arguments (exit code 2)."""


def cores() -> int:
    """CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def parse_pairs(items: Sequence[str], what: str) -> dict[str, str]:
    """``NAME=VALUE`` arguments as a dict."""
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{what} takes NAME=VALUE, got {item!r}")
        pairs[name] = value
    return pairs


def add_job_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that choose and run a job (shared by ``dry-run`` and ``compare``)."""
    parser.add_argument(
        "--app", type=Path, help="a synthesized cloud assembly (cdk.out); default: synthesize cdk.json's app"
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="the folder of cdk.json (default: .)")
    parser.add_argument(
        "-c", "--context", action="append", default=[], metavar="KEY=VALUE", help="context when synthesizing"
    )
    parser.add_argument(
        "--job", help="the tuning job: construct path (MlpHyperband/MlpTuning), logical id or construct id"
    )
    parser.add_argument(
        "--channel", action="append", default=[], metavar="NAME=DIR", help="a local folder for an input channel"
    )
    parser.add_argument(
        "--runner", choices=("auto", "docker", "python"), default="auto", help="how trials run (default: auto)"
    )
    parser.add_argument("--max-jobs", type=int, help="trials to run (default: the job's MaxNumberOfTrainingJobs)")
    parser.add_argument("--max-epochs", type=int, help="the epochs hyperparameter and MaxResource (default: the job's)")
    parser.add_argument("--parallel", type=int, help="trials at a time (default: min(MaxParallelTrainingJobs, cores))")
    parser.add_argument("--time-budget", type=float, help="seconds of search; running trials are stopped then")
    parser.add_argument("--quiet", action="store_true", help="no progress display")
    parser.add_argument(
        "--keep-trial-files", action="store_true", help="keep each trial's model and checkpoints (default: removed)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``sagemaker-hpo``."""
    parser = argparse.ArgumentParser(prog="sagemaker-hpo", description="Tools for sagemaker-hpo-cdk tuning jobs.")
    commands = parser.add_subparsers(dest="command", required=True)
    dry = commands.add_parser(
        "dry-run",
        help="rehearse a tuning job locally: its program, strategy, ranges and metric regexes",
        description="Run a synthesized tuning job's own program on this machine under its strategy (Optuna), "
        "ranges and metric definitions, after checks of its regexes, range ends and budget.",
    )
    add_job_arguments(dry)
    dry.add_argument("--list", action="store_true", help="list the assembly's tuning jobs and exit")
    dry.add_argument("--strategy", choices=STRATEGIES, help="another strategy than the job's (same ranges and budget)")
    dry.add_argument("--seed", type=int, default=0, help="the sampler's seed (default: 0)")
    dry.add_argument("--target", type=float, help="objective value to time (default: the job's completion criteria)")
    dry.add_argument("--stop-at-target", action="store_true", help="end the search at the target, as SageMaker would")
    dry.add_argument("--skip-checks", action="store_true", help="no checks before the search")
    dry.add_argument("--out", type=Path, default=Path("dryrun-out"), help="where report.json and plot.png go")
    dry.add_argument(
        "--price-per-hour",
        type=float,
        help="US dollars per instance-hour for the cost ceiling (default: the shipped on-demand table, us-east-1)",
    )
    compare = commands.add_parser(
        "compare",
        help="run one job under several strategies and seeds with equal budgets (make reproduce)",
        description="Experiment 1 side by side: the same job under each strategy and seed, equal budgets.",
    )
    add_job_arguments(compare)
    compare.add_argument("--strategies", nargs="+", choices=STRATEGIES, default=["Hyperband", "Bayesian", "Random"])
    compare.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    compare.add_argument("--targets", nargs="+", type=float, default=[0.96, 0.975])
    compare.add_argument(
        "--published", nargs="*", default=[], metavar="STRATEGY=SECONDS", help="published figures shown beside"
    )
    compare.add_argument("--markdown", type=Path, required=True, help="the Markdown file to write")
    compare.add_argument("--plot", type=Path, required=True, help="the PNG file to write")
    compare.add_argument("--command-line", default="", help="the command shown in the document")
    compare.add_argument(
        "--epoch-budget",
        type=int,
        help="epochs all trials of a run may train together, the same for every strategy; the schedule is then "
        "decided by epochs and runs are deterministic (default: none, the time budget alone)",
    )
    compare.add_argument(
        "--slots",
        type=int,
        help="trials in flight at a time on the epoch schedule (default: the job's MaxParallelTrainingJobs)",
    )
    compare.add_argument("--json", type=Path, help="also write every run's figures to this JSON file")
    operate_cli.add_commands(commands)
    return parser


@dataclass
class PreparedJob:
    """A job chosen from the assembly, with what runs it."""

    assembly: Assembly
    spec: JobSpec
    source: ProgramSource
    program: Program | None
    channels: dict[str, Path]
    parallel: int
    keep_files: bool = False


def load_assembly(args: argparse.Namespace, scratch: Path) -> Assembly:
    """The assembly of ``--app``, or the app of ``cdk.json`` synthesized into ``scratch``."""
    if args.app is not None:
        return read_assembly(args.app)
    print(f"synthesizing the app of {args.project / 'cdk.json'} ...", flush=True)
    return read_assembly(synthesize_app(args.project, scratch, parse_pairs(args.context, "--context")))


def with_strategy(spec: JobSpec, strategy: str | None) -> JobSpec:
    """The job under another strategy (Hyperband gets MinResource 1 when the job has none)."""
    if strategy is None or strategy == spec.strategy:
        return spec
    min_resource = (spec.min_resource or 1) if strategy == "Hyperband" else spec.min_resource
    return replace(spec, strategy=strategy, min_resource=min_resource)


def prepare(args: argparse.Namespace, assembly: Assembly) -> PreparedJob:
    """Choose the job and find its program."""
    job = assembly.select(args.job)
    spec = job.spec()
    source = assembly.program_source(job)
    channels = {name: Path(folder) for name, folder in parse_pairs(args.channel, "--channel").items()}
    for name, folder in channels.items():
        if not folder.is_dir():
            raise UsageError(f"--channel {name}={folder}: not a folder")
    program = None
    if source.kind == "directory" and source.directory is not None:
        program = find_program(source.directory, args.runner)
    parallel = args.parallel or max(1, min(spec.max_parallel_jobs, cores()))
    return PreparedJob(assembly, spec, source, program, channels, parallel, args.keep_trial_files)


def print_findings(findings: Sequence[Finding]) -> None:
    """The checks' findings, errors first."""
    order = {"error": 0, "warning": 1, "info": 2}
    for finding in sorted(findings, key=lambda f: order.get(f.severity, 3)):
        print(f"  [{finding.severity}] {finding.message}")
        for detail in finding.details:
            print(f"      | {detail}")


def source_dict(prepared: PreparedJob) -> dict[str, Any]:
    """Where the program came from, for the report."""
    return {
        "kind": prepared.source.kind,
        "directory": str(prepared.source.directory) if prepared.source.directory else None,
        "uri": prepared.source.uri,
        "builtin_algorithm": prepared.source.builtin_algorithm,
        "command": list(prepared.program.argv) + ["train"] if prepared.program else None,
    }


def _trial_runner(
    prepared: PreparedJob, spec: JobSpec, out: Path, parallel: int, threads: int | None = None
) -> TrialRunner:
    """A runner of the job's program for ``parallel`` trials at a time (the cores shared between them, unless
    ``threads`` fixes the threads per trial)."""
    assert prepared.program is not None
    return TrialRunner(
        spec,
        prepared.program,
        out,
        channels=prepared.channels,
        threads=threads if threads is not None else max(1, cores() // parallel),
        keep_files=prepared.keep_files,
    )


def run_checks_phase(
    prepared: PreparedJob, spec: JobSpec, out: Path, quiet: bool, *, threads: int | None = None
) -> CheckResult:
    """The checks, with their progress display (``threads`` per trial: default, the cores shared between trials)."""
    runner = _trial_runner(prepared, spec, out, prepared.parallel, threads)
    planned = 1 + sum(len(r.ends()) for r in spec.ranges)
    print(f"checks: a baseline trial and {planned - 1} range-end trials, {prepared.parallel} at a time", flush=True)
    with Progress("check", planned, spec.objective_name, spec.maximize, enabled=not quiet) as progress:
        return run_checks(spec, runner, parallel=prepared.parallel, on_trial=progress.trial_done)


def first_rung_values(spec: JobSpec, checks: CheckResult) -> list[float]:
    """The check trials' objective values at Hyperband's first rung (``MinResource`` epochs)."""
    rung = max(1, spec.min_resource or 1)
    values = [t.value_at(rung) for t in checks.trials if t.state == "completed"]
    return [v for v in values if v is not None]


def run_search_phase(
    prepared: PreparedJob, spec: JobSpec, settings: SearchSettings, out: Path, seed_values: Sequence[float], quiet: bool
) -> SearchResult:
    """The search, with its progress display."""
    # On the epoch schedule each trial gets one thread whatever --parallel: the same arithmetic, the same values.
    runner = _trial_runner(prepared, spec, out, settings.parallel, 1 if settings.epoch_budget is not None else None)
    total = planned_jobs(spec, settings)
    with Progress("search", total, spec.objective_name, spec.maximize, enabled=not quiet) as progress:
        return run_search(spec, runner, settings, seed_values=seed_values, on_event=progress.event)


def print_setup_problems(problems: Sequence[SetupProblem]) -> None:
    """This machine's setup problems, each with its fix."""
    print("local setup problem: the trials cannot run on this machine as it is set up; this says nothing about the job")
    for problem in problems:
        print(f"  [setup] {problem.message}")
        for where in problem.where:
            print(f"      | {where}")
        print(f"      fix: {problem.fix}")


def dry_run(args: argparse.Namespace) -> int:
    """``sagemaker-hpo dry-run``."""
    with tempfile.TemporaryDirectory(prefix="sagemaker-hpo-synth-") as scratch:
        assembly = load_assembly(args, Path(scratch))
        if args.list or args.job is None and len(assembly.jobs) != 1:
            print(f"tuning jobs in {assembly.directory}:\n{assembly.describe_jobs()}")
            return 0
        prepared = prepare(args, assembly)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    settings = SearchSettings(
        max_jobs=args.max_jobs,
        parallel=prepared.parallel,
        max_epochs=args.max_epochs,
        time_budget=args.time_budget,
        seed=args.seed,
        target=args.target,
        stop_at_target=args.stop_at_target,
    )
    job_spec = with_strategy(prepared.spec, args.strategy)
    spec = effective_spec(job_spec, settings)
    job_budget = budget(job_spec, price_per_hour=args.price_per_hour)
    print(f"job {spec.path}: {spec.strategy}, {spec.objective_type} {spec.objective_name}, {len(spec.ranges)} ranges")
    if prepared.program is None:
        findings = budget_findings(job_budget) + builtin_findings(
            spec, prepared.source.builtin_algorithm, prepared.source.uri
        )
        print("checks:")
        print_findings(findings)
        checks = CheckResult(findings=findings, budget=job_budget)
        write_report(
            build_report(spec, settings, checks, None, runner="none", source=source_dict(prepared)), out / "report.json"
        )
        print(f"report: {out / 'report.json'}")
        return 1 if checks.errors else 0
    build_image(prepared.program)
    print(
        f"program: {' '.join(prepared.program.argv)} train ({prepared.program.runner}), trial folders in {out / 'checks' / 'trials'} and {out / 'search' / 'trials'}"
    )
    problems = setup_problems(prepared.program)
    if problems:
        print_setup_problems(problems)
        checks = CheckResult(findings=budget_findings(job_budget), budget=job_budget, setup=problems)
        report = build_report(
            spec, settings, checks, None, runner=prepared.program.runner, source=source_dict(prepared)
        )
        write_report(report, out / "report.json")
        print(f"report: {out / 'report.json'}")
        return SETUP_EXIT_CODE
    if args.skip_checks:
        checks = CheckResult(findings=budget_findings(job_budget), budget=job_budget)
    else:
        checks = run_checks_phase(prepared, spec, out / "checks", args.quiet)
        checks.budget = job_budget
        checks.findings = [f for f in checks.findings if f.check != "budget"] + budget_findings(job_budget)
    print("checks:")
    print_findings(checks.findings)
    search = None
    if checks.setup:
        print_setup_problems(checks.setup)
    elif checks.search_possible:
        print(
            f"search: {planned_jobs(spec, settings)} trials, {settings.parallel} at a time"
            + (f", {settings.time_budget:g} s budget" if settings.time_budget else ""),
            flush=True,
        )
        seeds = first_rung_values(spec, checks) if spec.strategy == "Hyperband" else []
        search = run_search_phase(prepared, spec, settings, out / "search", seeds, args.quiet)
        after = runtime_findings(job_budget, search.trials, job_spec.max_resource)
        checks.findings.extend(after)
        if after:
            print("budget:")
            print_findings(after)
    else:
        print("search: not run, the checks found errors that make every trial fail")
    report = build_report(spec, settings, checks, search, runner=prepared.program.runner, source=source_dict(prepared))
    write_report(report, out / "report.json")
    if search is not None:
        target = settings.target if settings.target is not None else spec.target_value
        write_plot(spec, search, target, out / "plot.png")
    print("summary:")
    for line in summary_lines(report):
        print(f"  {line}")
    print(f"report: {out / 'report.json'}" + (f", plot: {out / 'plot.png'}" if search is not None else ""))
    if checks.setup:
        return SETUP_EXIT_CODE
    return 1 if checks.errors or search is None else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``sagemaker-hpo`` and ``python -m sagemaker_hpo``."""
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    if args.command in operate_cli.COMMANDS:  # a deployed job: no dry-run extra needed
        return operate_cli.run(args)
    try:
        check_all()
        if args.command == "dry-run":
            return dry_run(args)
        from .compare import compare

        return compare(args)
    except MissingExtraError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except (AssemblyError, JobSpecError, ProgramError, UsageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
