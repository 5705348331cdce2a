"""Benchmark of ``sagemaker-hpo status`` (a script: pytest does not collect ``bench_*.py``).

A tuning job with ``--jobs`` training jobs (500) served by the local stand-in of ``tests/operate_support.py`` in its
own process, answering every call after ``--latency`` seconds (20 ms). Each run is a fresh
``python -m sagemaker_hpo status JOB --plain`` process (interpreter start, imports, client creation, the describe of
the tuning job, every page of ListTrainingJobsForHyperParameterTuningJob and one DescribeTrainingJob per training
job), timed from start to exit. Target: median at most 5 s.

Usage: ``.venv/bin/python -m tests.benchmarks.bench_status [--runs 5] [--jobs 500] [--latency 0.02] [--docs] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
TARGET_SECONDS = 5.0
JOB = "bench-job"
DEFAULT_RUNS = 5
DEFAULT_JOBS = 500
DEFAULT_LATENCY = 0.02


def run(runs: int, jobs: int, latency: float, concurrency: int | None = None) -> dict[str, Any]:
    """Time ``runs`` fresh ``status`` processes against a stand-in serving ``jobs`` training jobs."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.operate_support import aws_env

    server = subprocess.Popen(
        [sys.executable, "-m", "tests.operate_support", "--name", JOB, "--jobs", str(jobs), "--latency", str(latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    try:
        url = server.stdout.readline().strip()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(aws_env(url))
        command = [sys.executable, "-m", "sagemaker_hpo", "status", JOB, "--plain"]
        if concurrency is not None:
            command += ["--concurrency", str(concurrency)]
        seconds, cpu = [], []
        for _ in range(runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
            seconds.append(time.perf_counter() - start)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 0 or f"{jobs}/{jobs} training jobs ended" not in proc.stdout:
                raise RuntimeError(f"status failed ({proc.returncode}): {proc.stderr or proc.stdout}")
    finally:
        server.stdin.close()
        calls = json.loads(server.stdout.readline() or "{}")
        server.wait(timeout=30)
    median = statistics.median(seconds)
    return {
        "runs": runs,
        "jobs": jobs,
        "latency_ms": latency * 1000,
        "concurrency": concurrency,
        "seconds": seconds,
        "median_s": median,
        "min_s": min(seconds),
        "max_s": max(seconds),
        "cpu_median_s": statistics.median(cpu),
        "calls_per_run": {k: v // runs for k, v in calls.items()},
        "target_s": TARGET_SECONDS,
        "passed": median <= TARGET_SECONDS,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "command": " ".join(["python", *command[1:]]),
    }


def markdown(summary: dict[str, Any]) -> str:
    """The result as a Markdown table and a line on the target."""
    calls = ", ".join(f"{k} {v}" for k, v in sorted(summary["calls_per_run"].items()))
    load = ", ".join(f"{x:.2f}" for x in summary["load"])
    return "\n".join(
        [
            "| training jobs | latency per call | runs | median (s) | min–max (s) | CPU of the process, median (s) "
            "| calls per run |",
            "| --: | --: | --: | --: | --: | --: | --- |",
            f"| {summary['jobs']} | {summary['latency_ms']:.0f} ms | {summary['runs']} | {summary['median_s']:.2f} | "
            f"{summary['min_s']:.2f}–{summary['max_s']:.2f} | {summary['cpu_median_s']:.2f} | {calls} |",
            "",
            f"Command: `{summary['command']}` (fresh process per run); Python {summary['python']}, "
            f"{summary['cpus']} CPUs, load average {load} when it finished.",
            f"Target: at most {summary['target_s']:.0f} s: {'met' if summary['passed'] else 'NOT met'}.",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print its table; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="fresh status processes (default 5)")
    parser.add_argument("--jobs", type=int, default=DEFAULT_JOBS, help="training jobs of the tuning job (default 500)")
    parser.add_argument("--latency", type=float, default=DEFAULT_LATENCY, help="seconds per call (default 0.02)")
    parser.add_argument("--docs", action="store_true", help="also write the table into docs/benchmarks.md")
    parser.add_argument("--concurrency", type=int, help="status --concurrency (default: the command's)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    args = parser.parse_args(argv)
    summary = run(args.runs, args.jobs, args.latency, args.concurrency)
    print(markdown(summary))
    if args.docs:
        from tests.benchmarks.__main__ import STATUS_HEADING, STATUS_MARKER, update_doc

        update_doc([(STATUS_MARKER, STATUS_HEADING, markdown(summary))])
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
