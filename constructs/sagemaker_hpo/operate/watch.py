"""``status --watch``: refresh until the tuning job ends, with an injectable clock and sleep (tests run instantly)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from .errors import EXIT_AWS, EXIT_JOB_FAILED, EXIT_OK, OperateError
from .summary import JobSummary

#: Seconds between refreshes by default.
DEFAULT_INTERVAL_SECONDS = 60.0
#: Refreshes in a row that may fail for a passing reason (throttled, unreachable) before the watch gives up.
MAX_FAILED_REFRESHES = 3


def outcome(summary: JobSummary) -> tuple[int, str]:
    """The exit code and closing line for a tuning job that has ended: 0 when it completed, 1 otherwise."""
    if summary.status == "Completed":
        reason = f" ({summary.completion_reason})" if summary.completion_reason else ""
        return EXIT_OK, f"tuning job {summary.name} completed{reason}"
    reason = summary.failure_reason or "SageMaker gave no reason"
    return EXIT_JOB_FAILED, f"tuning job {summary.name} ended {summary.status}: {reason}"


def watch(
    refresh: Callable[[], JobSummary],
    show: Callable[[JobSummary], None],
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    sleep: Callable[[float], None],
    warn: Callable[[str], None] | None = None,
) -> JobSummary:
    """Call ``refresh`` and ``show`` every ``interval`` seconds until the job ends; return its last summary.

    A refresh that fails with an AWS error (throttled, unreachable) is tried again at the next interval, up to
    :data:`MAX_FAILED_REFRESHES` times in a row; any other error ends the watch.

    :param refresh: reads the job now.
    :param show: displays a summary.
    :param interval: seconds between refreshes. Default: :data:`DEFAULT_INTERVAL_SECONDS`.
    :param sleep: waits a number of seconds (``time.sleep``; tests pass a fake).
    :param warn: shows a passing failure. Default: a line on stderr.
    """
    warn = warn or (lambda line: print(f"warning: {line}", file=sys.stderr, flush=True))
    failures = 0
    while True:
        try:
            summary = refresh()
        except OperateError as error:
            failures += 1
            if error.exit_code != EXIT_AWS or failures >= MAX_FAILED_REFRESHES:
                raise
            warn(f"{error} (retrying in {interval:g} s)")
            sleep(interval)
            continue
        failures = 0
        show(summary)
        if summary.ended:
            return summary
        sleep(interval)
