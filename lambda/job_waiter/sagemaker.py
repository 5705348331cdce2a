"""The lazily created SageMaker client, and the two calls the waiter makes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .presigned import LOGGER

#: HTTP requests per SageMaker call in total (botocore ``standard`` retry mode retries throttling and 5xx).
CLIENT_MAX_ATTEMPTS = 5
#: A describe denied right after the job's policy was created is tried again while IAM propagates: at most this
#: many tries, :data:`DENIED_RETRY_SECONDS` apart.
DENIED_TRIES = 6
DENIED_RETRY_SECONDS = 10.0
DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException"})


class _Runtime:
    """Process-wide state behind the test seams of :mod:`.index`."""

    def __init__(self) -> None:
        self.client: Any = None
        self.sleep: Callable[[float], None] = time.sleep

    def sagemaker(self) -> Any:
        if self.client is None:
            import boto3
            from botocore.config import Config

            self.client = boto3.client(
                "sagemaker",
                config=Config(
                    retries={"mode": "standard", "total_max_attempts": CLIENT_MAX_ATTEMPTS},
                    user_agent_extra="sagemaker-hpo-cdk/job-waiter",
                ),
            )
        return self.client


RT = _Runtime()


def _error_code(error: Exception) -> str:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def describe_tuning_job(name: str) -> dict[str, Any]:
    """``DescribeHyperParameterTuningJob``; an AccessDenied is tried again while IAM propagates (bounded)."""
    for attempt in range(1, DENIED_TRIES + 1):
        try:
            result: dict[str, Any] = RT.sagemaker().describe_hyper_parameter_tuning_job(
                HyperParameterTuningJobName=name
            )
            return result
        except Exception as error:
            if _error_code(error) not in DENIED_CODES or attempt == DENIED_TRIES:
                raise
            LOGGER.info('{"message": "describe denied; IAM may still be propagating", "attempt": %d}', attempt)
            RT.sleep(DENIED_RETRY_SECONDS)
    raise AssertionError("unreachable")  # pragma: no cover


def describe_training_job(name: str) -> dict[str, Any]:
    """``DescribeTrainingJob``."""
    result: dict[str, Any] = RT.sagemaker().describe_training_job(TrainingJobName=name)
    return result
