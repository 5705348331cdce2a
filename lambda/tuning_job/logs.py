"""Structured logging: one JSON object per line (or Lambda's JSON log format), never a request body."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import Any

from .runtime import RT

LOGGER = logging.getLogger("sagemaker_hpo.tuning_job")
LOGGER.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())


def log(level: int, message: str, **fields: Any) -> None:
    """Write one structured log line: the message, the invocation context and ``fields`` (never request bodies).

    With Lambda's JSON log format (``AWS_LAMBDA_LOG_FORMAT=JSON``) the fields go in ``extra`` and the runtime emits
    them as top-level keys of its JSON line; otherwise the message itself is a JSON object.
    """
    if not LOGGER.isEnabledFor(level):
        return
    fields = {key: value for key, value in {**RT.log_context, **fields}.items() if value is not None}
    if os.environ.get("AWS_LAMBDA_LOG_FORMAT", "").upper() == "JSON":
        LOGGER.log(level, message, extra={key: _json_safe(value) for key, value in fields.items()})
    else:
        LOGGER.log(level, json.dumps({"message": message, **fields}, default=str, sort_keys=True))


def _json_safe(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, list)) else str(value)


def begin_invocation(handler: str, event: Mapping[str, Any], context: Any) -> None:
    """Record the log context and the Lambda context's clock (``get_remaining_time_in_millis``) for this invocation."""
    RT.log_context = {
        "handler": handler,
        "requestType": str(event.get("RequestType", "")),
        "logicalResourceId": str(event.get("LogicalResourceId", "")),
        "cfnRequestId": str(event.get("RequestId", "")),
    }
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    RT.remaining_millis = remaining if callable(remaining) else None
