"""Benchmark of the tuning-job handler (a script: pytest does not collect ``bench_*.py``).

Measures
1. the cold import of ``lambda/tuning_job/index.py`` in fresh interpreters (median of ``--runs``; target <= 300 ms),
   and, in the same processes, the first Create event (client creation and service model load included);
2. the per-event latency of Create, is_complete (a describe) and Delete events against a local moto server running in
   a separate process (``--cycles`` of each; target p50 <= 50 ms).

Usage: ``.venv/bin/python tests/benchmarks/bench_handler.py [--runs 7] [--cycles 100] [--json PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
IMPORT_TARGET_MS = 300.0
EVENT_P50_TARGET_MS = 50.0

_COLD_PROBE_TEMPLATE = """
import json, os, sys, time
start = time.perf_counter()
{loader}imported = time.perf_counter()
result = {{"import_ms": (imported - start) * 1000, "sdk_loaded_at_import": "botocore" in sys.modules}}
if os.environ.get("AWS_ENDPOINT_URL"):
    event = json.loads(sys.argv[1])
    module.on_event(event)
    result["first_event_ms"] = (time.perf_counter() - imported) * 1000
print(json.dumps(result))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server() -> Iterator[str]:
    """Start ``moto_server`` in a subprocess on a free port; yield its URL."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-c", "from moto.server import main; main()", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _aws_env(url: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "LOG_LEVEL": "WARNING",
    }


def _support() -> Any:
    """The test helpers (request builders), imported from the project's tests package."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import handler_support

    return handler_support


def cold_import(runs: int, url: str | None) -> list[dict[str, Any]]:
    """Run the cold probe ``runs`` times in fresh interpreters."""
    support = _support()
    samples = []
    for index in range(runs):
        env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
        argv = [sys.executable, "-c", _COLD_PROBE_TEMPLATE.format(loader=support.LOADER_CODE)]
        if url:
            env.update(_aws_env(url))
            argv.append(json.dumps(support.event("Create", logical_id=f"Cold{index}")))
        output = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
        samples.append(json.loads(output.strip().splitlines()[-1]))
    return samples


def event_latency(cycles: int, url: str) -> dict[str, list[float]]:
    """Time ``cycles`` Create / is_complete / Delete events in this process (after one warm-up cycle)."""
    support = _support()
    saved = dict(os.environ)
    os.environ.update(_aws_env(url))
    handler = support.load_handler()
    handler.reset()
    timings: dict[str, list[float]] = {"Create": [], "is_complete": [], "Delete": []}
    try:
        props = support.properties(wait=True, timeout=1800)
        for index in range(cycles + 1):
            create = support.event("Create", props, logical_id=f"Job{index}")
            start = time.perf_counter()
            result = handler.on_event(create)
            created = time.perf_counter()
            done = handler.is_complete(support.after_on_event(create, result))
            polled = time.perf_counter()
            handler.on_event(support.event("Delete", props, physical_id=result["PhysicalResourceId"]))
            deleted = time.perf_counter()
            assert done["IsComplete"] is True
            if index == 0:
                continue  # warm-up: client creation and service model load
            timings["Create"].append((created - start) * 1000)
            timings["is_complete"].append((polled - created) * 1000)
            timings["Delete"].append((deleted - polled) * 1000)
    finally:
        handler.reset()
        os.environ.clear()
        os.environ.update(saved)
    return timings


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.5)))
    return ordered[rank - 1]


def summarize(cold: list[dict[str, Any]], timings: dict[str, list[float]]) -> dict[str, Any]:
    imports = [sample["import_ms"] for sample in cold]
    firsts = [sample["first_event_ms"] for sample in cold if "first_event_ms" in sample]
    all_events = [value for values in timings.values() for value in values]
    events = {
        name: {"n": len(values), "p50_ms": percentile(values, 0.5), "p95_ms": percentile(values, 0.95)}
        for name, values in {**timings, "all events": all_events}.items()
    }
    return {
        "python": sys.version.split()[0],
        "cold_import": {
            "runs": len(imports),
            "median_ms": statistics.median(imports),
            "min_ms": min(imports),
            "max_ms": max(imports),
            "target_ms": IMPORT_TARGET_MS,
            "sdk_loaded_at_import": any(sample["sdk_loaded_at_import"] for sample in cold),
        },
        "first_event_cold_ms": {"median_ms": statistics.median(firsts)} if firsts else None,
        "events": events,
        "event_p50_target_ms": EVENT_P50_TARGET_MS,
        "passed": statistics.median(imports) <= IMPORT_TARGET_MS
        and events["all events"]["p50_ms"] <= EVENT_P50_TARGET_MS,
    }


def markdown(summary: dict[str, Any]) -> str:
    cold = summary["cold_import"]
    lines = [
        "| measurement | n | p50 / median (ms) | p95 / max (ms) | target |",
        "| --- | --- | --- | --- | --- |",
        f"| cold import of index.py | {cold['runs']} | {cold['median_ms']:.1f} | {cold['max_ms']:.1f} | "
        f"<= {cold['target_ms']:.0f} ms median |",
    ]
    if summary["first_event_cold_ms"]:
        lines.append(
            f"| first Create in a fresh process (client + model load) | {cold['runs']} | "
            f"{summary['first_event_cold_ms']['median_ms']:.1f} | | informational |"
        )
    for name, stats in summary["events"].items():
        target = f"p50 <= {summary['event_p50_target_ms']:.0f} ms" if name == "all events" else ""
        label = "all events (moto)" if name == "all events" else f"{name} event (moto)"
        lines.append(f"| {label} | {stats['n']} | {stats['p50_ms']:.2f} | {stats['p95_ms']:.2f} | {target} |")
    lines.append("")
    lines.append(f"Python {summary['python']}; targets met: {'yes' if summary['passed'] else 'NO'}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh interpreters for the cold import (default 7)")
    parser.add_argument("--cycles", type=int, default=100, help="Create/is_complete/Delete cycles (default 100)")
    parser.add_argument("--json", type=Path, help="also write the results as JSON to this path")
    args = parser.parse_args(argv)
    with moto_server() as url:
        cold = cold_import(args.runs, url)
        timings = event_latency(args.cycles, url)
    summary = summarize(cold, timings)
    print(markdown(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
    return 0 if summary["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
