"""The ``status`` and ``analytics`` subcommands of ``sagemaker-hpo`` (registered by :mod:`sagemaker_hpo.dryrun.cli`).

Exit codes: 0 done (``--watch``: the job completed), 1 ``--watch``: the job failed or was stopped, 2 bad usage (no
such job, an assembly without it), 3 AWS could not be asked (no credentials, access denied, throttled, unreachable).
Every failure is one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .client import DEFAULT_CONCURRENCY, MAX_CONCURRENCY
from .errors import EXIT_OK, EXIT_USAGE, OperateError
from .watch import DEFAULT_INTERVAL_SECONDS

#: The subcommands this module runs.
COMMANDS = ("status", "analytics")
#: Training jobs in the top table by default.
DEFAULT_TOP = 5


def _add_job_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="JOB", help="the tuning job's name (or use --app and --job)")
    parser.add_argument("--app", type=Path, help="a synthesized cloud assembly (cdk.out) holding the deployed job")
    parser.add_argument("--job", help="with --app: the job's construct path (Stack/Path), logical id or construct id")
    parser.add_argument("--region", help="the AWS region (default: boto3's: AWS_REGION, the profile's, the stack's)")
    parser.add_argument("--profile", help="a named AWS profile (default: boto3's)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=DEFAULT_CONCURRENCY,
        help=f"DescribeTrainingJob calls at a time, 1 to {MAX_CONCURRENCY} (default: {DEFAULT_CONCURRENCY})",
    )


def add_commands(commands: Any) -> None:
    """Add ``status`` and ``analytics`` to the subparsers ``commands`` of ``sagemaker-hpo``."""
    status = commands.add_parser(
        "status",
        help="follow a deployed tuning job: status, progress, best training job, instance-hours",
        description="Read a deployed tuning job from SageMaker (your AWS credentials; AWS_ENDPOINT_URL honoured).",
    )
    _add_job_arguments(status)
    status.add_argument(
        "--top", type=int, default=DEFAULT_TOP, help=f"training jobs in the table (default: {DEFAULT_TOP})"
    )
    status.add_argument("--watch", action="store_true", help="refresh until the job ends (exit 1 if it fails or stops)")
    status.add_argument(
        "--interval",
        type=float,
        default=DEFAULT_INTERVAL_SECONDS,
        help=f"seconds between --watch refreshes (default: {DEFAULT_INTERVAL_SECONDS:g})",
    )
    status.add_argument("--json", action="store_true", help="print one JSON document instead of the display")
    status.add_argument("--plot", type=Path, metavar="FILE.png", help="draw every training job's objective over time")
    status.add_argument("--plain", action="store_true", help="plain text even when rich is installed")
    analytics = commands.add_parser(
        "analytics",
        help="write one CSV row per training job (the SageMaker SDK's analytics columns, billable time, hyperparameters)",
        description="The table of the SageMaker Python SDK's tuner.analytics().dataframe(), as CSV, without pandas.",
    )
    _add_job_arguments(analytics)
    analytics.add_argument("--out", type=Path, required=True, metavar="FILE.csv", help="the CSV file to write")


def _validate(args: argparse.Namespace) -> None:
    if args.name and (args.app or args.job):
        raise OperateError("give either JOB or --app/--job, not both", EXIT_USAGE)
    if not args.name and args.app is None:
        raise OperateError("name the tuning job: JOB, or --app cdk.out --job Stack/Path", EXIT_USAGE)
    if args.job and args.app is None:
        raise OperateError("--job needs --app (the assembly the job was deployed from)", EXIT_USAGE)
    if not 1 <= args.concurrency <= MAX_CONCURRENCY:
        raise OperateError(f"--concurrency must be 1 to {MAX_CONCURRENCY}", EXIT_USAGE)
    if getattr(args, "top", 0) < 0:
        raise OperateError("--top must be 0 or more", EXIT_USAGE)
    if getattr(args, "interval", 1) <= 0:
        raise OperateError("--interval must be more than 0 seconds", EXIT_USAGE)


def _resolve_name(args: argparse.Namespace) -> tuple[str, Any]:
    """The job's name and the clients to read it with (the stack's region when the assembly names one)."""
    from .client import Clients

    if args.name:
        return str(args.name), Clients(region=args.region, profile=args.profile, concurrency=args.concurrency)
    from .locate import deployed_name, locate

    located = locate(args.app, args.job)
    clients = Clients(region=args.region or located.region, profile=args.profile, concurrency=args.concurrency)
    return deployed_name(located, clients), clients


def run(
    args: argparse.Namespace,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Run ``status`` or ``analytics``; every failure is one line on stderr and a non-zero exit code."""
    try:
        _validate(args)
        if args.command == "analytics":
            return _analytics(args, clock)
        return _status(args, clock, sleep)
    except OperateError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return error.exit_code
    except OSError as error:  # writing --out or --plot
        print(f"error: cannot write {error.filename or 'the output'}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _reader(args: argparse.Namespace, clock: Callable[[], float]) -> Callable[[], Any]:
    from .fetch import TrainingJobCache, fetch
    from .summary import summarize, utc

    name, clients = _resolve_name(args)
    cache = TrainingJobCache()

    def read() -> Any:
        snapshot = fetch(clients.sagemaker(), name, concurrency=args.concurrency, cache=cache)
        return summarize(snapshot, utc(clock()))

    return read


def _analytics(args: argparse.Namespace, clock: Callable[[], float]) -> int:
    from .analytics import write_csv

    summary = _reader(args, clock)()
    rows = write_csv(summary, args.out)
    print(f"{args.out}: {rows} training jobs of {summary.name} ({summary.status})")
    return EXIT_OK


def _status(args: argparse.Namespace, clock: Callable[[], float], sleep: Callable[[float], None]) -> int:
    from . import render_json, render_text
    from .watch import outcome, watch

    read = _reader(args, clock)
    use_rich = False if args.plain else None
    if not args.watch:
        summary = read()
        if args.json:
            print(render_json.render(summary, args.top))
        else:
            render_text.render(summary, args.top, sys.stdout, use_rich=use_rich)
        _plot(args, summary)
        return EXIT_OK
    live = None
    if not args.json and sys.stdout.isatty() and (use_rich is None and render_text.has_rich()):
        from rich.console import Console
        from rich.live import Live

        live = Live(console=Console(), auto_refresh=False)

    def show(summary: Any) -> None:
        if args.plot is not None:  # redrawn at each refresh, so that it can be looked at while the job runs
            from .plot import write_plot

            write_plot(summary, args.plot)
        if live is not None:
            live.update(render_text.rich_renderable(summary, args.top), refresh=True)
        else:
            print(_one_line(summary), file=sys.stderr if args.json else sys.stdout, flush=True)

    if live is not None:
        with live:
            summary = watch(read, show, interval=args.interval, sleep=sleep)
    else:
        summary = watch(read, show, interval=args.interval, sleep=sleep)
        if args.json:
            print(render_json.render(summary, args.top))
        else:
            render_text.render(summary, args.top, sys.stdout, use_rich=use_rich)
    _plot(args, summary)
    code, line = outcome(summary)
    print(line, file=sys.stderr if code else sys.stdout, flush=True)
    return code


def _one_line(summary: Any) -> str:
    """A line per ``--watch`` refresh when the output is not a terminal."""
    from .render_text import duration, value

    best = summary.best
    best_text = f", best {value(best.objective_value)} ({best.name})" if best is not None else ""
    running = summary.counters.get("InProgress", 0)
    return (
        f"[{summary.now.strftime('%H:%M:%S')}] {summary.name} {summary.status}: {value(summary.finished_jobs)}/"
        f"{value(summary.max_jobs)} training jobs ended, {running} running, elapsed "
        f"{duration(summary.elapsed_seconds)}{best_text}"
    )


def _plot(args: argparse.Namespace, summary: Any) -> None:
    if args.plot is None:
        return
    from .plot import write_plot

    path = write_plot(summary, args.plot)
    print(f"plot: {path}", file=sys.stderr if args.json else sys.stdout)


def main(
    argv: Sequence[str] | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """``sagemaker-hpo status|analytics ...`` with an injectable clock and sleep (for tests)."""
    from sagemaker_hpo.dryrun.cli import build_parser

    args = build_parser().parse_args(list(argv) if argv is not None else None)
    if args.command not in COMMANDS:
        raise SystemExit(f"sagemaker_hpo.operate.cli runs {', '.join(COMMANDS)}, not {args.command}")
    return run(args, clock=clock, sleep=sleep)
