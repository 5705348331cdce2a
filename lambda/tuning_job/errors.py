"""The handler's exceptions: raising one fails the CloudFormation event with its message as the status reason."""

from __future__ import annotations


class HandlerError(Exception):
    """A failure the deployment should report: the message becomes CloudFormation's status reason."""


class PropertyError(HandlerError, ValueError):
    """The resource properties are invalid (nothing was started)."""


class SageMakerError(HandlerError):
    """A SageMaker call failed for good: not retryable, or botocore's retry budget was spent."""

    def __init__(
        self,
        operation: str,
        job_name: str,
        code: str,
        message: str,
        attempts: int | None,
        hint: str = "",
        status: int | None = None,
    ) -> None:
        self.operation = operation
        #: The HTTP status of SageMaker's last answer; None when there was none (a connection error or timeout).
        self.status = status
        self.job_name = job_name
        self.code = code
        self.service_message = message
        self.attempts = attempts
        tries = f" (gave up after {attempts} attempts)" if attempts is not None and attempts > 1 else ""
        advice = f" {hint}" if hint else ""
        super().__init__(f"{operation} failed for tuning job '{job_name}': {code}: {message}{tries}{advice}")
