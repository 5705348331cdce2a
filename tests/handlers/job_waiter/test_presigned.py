"""Tests of ``job_waiter.presigned``: a late signal to a stale handle is dropped, a server error raises (EventBridge
retries).
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from tests.handlers.job_waiter.support import Recorder, handle_url, rule_input, sample_event, signals, waiter


@pytest.mark.parametrize("status", [403, 404])
def test_a_late_signal_to_a_stale_handle_is_dropped_without_raising(
    server: str, transformer: dict[str, Any], sagemaker: Stubber, status: int
) -> None:
    Recorder.statuses["/stale"] = status  # the wait ended: the handle's URL expired or its object is gone
    result = waiter.handler(rule_input(transformer, sample_event("Completed"), handle_url(server, "stale")))
    assert result == {"signalled": False}
    assert len(signals("/stale")) == 1


def test_a_server_error_raises_so_that_eventbridge_retries(
    server: str, transformer: dict[str, Any], sagemaker: Stubber
) -> None:
    Recorder.statuses["/flaky"] = 503
    with pytest.raises(waiter.SignalError, match="503"):
        waiter.handler(rule_input(transformer, sample_event("Completed"), handle_url(server, "flaky")))
