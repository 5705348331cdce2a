"""PUTs to pre-signed S3 URLs: wait condition signals and custom resource responses (standard library only)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

LOGGER = logging.getLogger("sagemaker_hpo.job_waiter")

#: Seconds before a PUT gives up (the function's own timeout is far longer).
PUT_TIMEOUT_SECONDS = 15


class SignalError(Exception):
    """A PUT that may succeed if tried again (a 5xx answer or no answer): the invocation fails and is retried."""


def put_json(url: str, body: Mapping[str, Any]) -> bool:
    """PUT ``body`` as JSON to the pre-signed ``url``. True when accepted.

    A 4xx answer is final and returns False: the URL has expired or its object is gone, which for a wait condition
    handle means the wait already ended (completed, timed out or rolled back): a late signal is dropped, logged.
    A 5xx answer or a network error raises :class:`SignalError` so that the caller's retry applies.
    The pre-signed URLs are signed for an empty ``Content-Type``: the request sends exactly that.
    """
    data = json.dumps(body, separators=(",", ":")).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})
    try:
        with urllib.request.urlopen(request, timeout=PUT_TIMEOUT_SECONDS) as answer:  # noqa: S310 - https from CFN
            answer.read()
            return True
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500:
            LOGGER.warning(json.dumps({"message": "URL no longer accepts a PUT; dropped", "status": error.code}))
            return False
        raise SignalError(f"PUT answered {error.code}") from error
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise SignalError(f"PUT failed: {error}") from error
