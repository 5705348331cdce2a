"""How a deployment waits for a tuning job (``wait_for_completion``): which mechanism, and for how long.

Two mechanisms, chosen by the job's ``max_runtime``:

* at most :data:`MAX_POLLED_RUNTIME_SECONDS` (45 minutes): the tuning-job custom resource itself waits (the Provider
  framework polls the job; its ceiling is one hour). Nothing else is deployed: the simplest path for short jobs.
* longer, up to :data:`MAX_WAITED_RUNTIME_SECONDS` (11 h 45 min): an ``AWS::CloudFormation::WaitCondition`` (at most
  12 hours) signalled by the waiter function on the job's state-change event (``long_wait.LongWait``).
"""

from __future__ import annotations

from ._contract import contract
from .handlers.job_waiter import contract as waiter_contract

#: The longest max_runtime the tuning-job custom resource itself waits for (the Provider framework's hour, less
#: its margin and the minutes a job spends stopping).
MAX_POLLED_RUNTIME_SECONDS = contract.MAX_WAITED_JOB_RUNTIME_SECONDS
#: Kept free in a WaitCondition's window: the job's creation before the wait starts, and its stopping at the end.
WAIT_CONDITION_MARGIN_SECONDS = contract.WAIT_MARGIN_SECONDS + contract.JOB_STOPPING_MARGIN_SECONDS
#: The longest max_runtime a deployment can wait for (a WaitCondition's 12 hours, less the margin).
MAX_WAITED_RUNTIME_SECONDS = waiter_contract.MAX_WAIT_CONDITION_TIMEOUT_SECONDS - WAIT_CONDITION_MARGIN_SECONDS


def uses_wait_condition(runtime_seconds: float | None, resolved: bool) -> bool:
    """Whether a waited job with this max_runtime waits with a WaitCondition (an unresolved one does)."""
    return not resolved or runtime_seconds is None or runtime_seconds > MAX_POLLED_RUNTIME_SECONDS


def wait_condition_timeout(runtime_seconds: float | None, resolved: bool) -> int:
    """The WaitCondition's timeout: the job's max_runtime plus the margin, at most 12 hours."""
    ceiling = waiter_contract.MAX_WAIT_CONDITION_TIMEOUT_SECONDS
    if not resolved or runtime_seconds is None:
        return ceiling
    return min(ceiling, int(runtime_seconds) + WAIT_CONDITION_MARGIN_SECONDS)
