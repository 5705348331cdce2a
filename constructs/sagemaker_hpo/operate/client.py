"""boto3 clients for the commands, and AWS errors turned into one-line :class:`~.errors.OperateError` messages.

The retry policy is the project's one: the tuning-job handler's botocore configuration
(:func:`sagemaker_hpo.handlers.tuning_job.sagemaker.client_config`, ``standard`` mode, the same attempts, timeouts
and user agent), with a connection pool as large as the number of concurrent calls. The clients are botocore's (what
boto3's are made of; importing boto3 itself would add its S3 transfer manager to every start): credentials, the
region, profiles and ``AWS_ENDPOINT_URL`` / ``AWS_ENDPOINT_URL_SAGEMAKER`` are read the usual way.
"""

from __future__ import annotations

import threading
from typing import Any

from sagemaker_hpo.handlers.tuning_job import sagemaker as handler_sagemaker
from sagemaker_hpo.handlers.tuning_job.errors import SageMakerError

from .errors import EXIT_USAGE, OperateError

#: Concurrent DescribeTrainingJob calls by default: enough to describe 500 training jobs in a few seconds; when
#: SageMaker throttles, botocore's standard mode backs off (lower it with ``--concurrency`` if throttled for good).
DEFAULT_CONCURRENCY = 16
#: The most concurrent calls ``--concurrency`` accepts.
MAX_CONCURRENCY = 32
#: Error codes that mean "access denied" across AWS services.
ACCESS_DENIED_CODES = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
#: Error codes of expired or invalid credentials.
BAD_CREDENTIALS_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException"}
)
#: Throttling codes when botocore's own list cannot be read.
_FALLBACK_THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})


def throttling_codes() -> frozenset[str]:
    """The error codes botocore's standard retry mode treats as throttling (the ones it retries with backoff)."""
    try:
        from botocore.retries.standard import ThrottledRetryableChecker

        return frozenset(ThrottledRetryableChecker._THROTTLED_ERROR_CODES) | _FALLBACK_THROTTLING_CODES
    except (ImportError, AttributeError):  # a botocore that moved it
        return _FALLBACK_THROTTLING_CODES


def client_config(concurrency: int = DEFAULT_CONCURRENCY) -> Any:
    """The handler's botocore configuration (the one retry policy) with a pool for ``concurrency`` calls."""
    from botocore.config import Config

    config: Any = handler_sagemaker.client_config()
    return config.merge(Config(max_pool_connections=max(10, concurrency)))


class Clients:
    """The boto3 clients of one command, created on first use (a session per command; clients are thread-safe).

    :param region: the AWS region. Default: boto3's (``AWS_REGION``, the profile's).
    :param profile: a named profile. Default: boto3's (``AWS_PROFILE`` or the default one).
    :param concurrency: concurrent calls the connection pool serves. Default: :data:`DEFAULT_CONCURRENCY`.
    """

    def __init__(
        self, *, region: str | None = None, profile: str | None = None, concurrency: int = DEFAULT_CONCURRENCY
    ) -> None:
        self.region = region
        self.profile = profile
        self.concurrency = concurrency
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def get(self, service: str) -> Any:
        """The client of ``service`` (``sagemaker``, ``cloudformation``)."""
        with self._lock:
            if service not in self._clients:
                try:
                    import botocore.session
                    from botocore.exceptions import BotoCoreError, ProfileNotFound
                except ImportError:
                    raise OperateError(
                        "sagemaker-hpo status needs boto3: pip install 'sagemaker-hpo-cdk[cli]'", EXIT_USAGE
                    ) from None
                try:
                    session = botocore.session.Session(profile=self.profile)
                    self._clients[service] = session.create_client(
                        service, region_name=self.region, config=client_config(self.concurrency)
                    )
                except ProfileNotFound as error:
                    raise OperateError(f"{error}", EXIT_USAGE) from None
                except BotoCoreError as error:
                    raise describe_error(error, f"creating the {service} client", "") from None
            return self._clients[service]

    def sagemaker(self) -> Any:
        """The SageMaker client."""
        return self.get("sagemaker")

    def cloudformation(self) -> Any:
        """The CloudFormation client."""
        return self.get("cloudformation")


def call(client: Any, operation: str, subject: str, **params: Any) -> dict[str, Any]:
    """``client.<operation>(**params)`` (botocore retries inside); any AWS error becomes an :class:`OperateError`.

    :param operation: the API name, e.g. ``DescribeTrainingJob``.
    :param subject: what the call is about (a job name), for the message.
    """
    method = getattr(client, handler_sagemaker._snake_case(operation))
    try:
        response: dict[str, Any] = method(**params)
    except Exception as error:  # classified below; errors that are not botocore's propagate untouched
        if handler_sagemaker._error_details(error) is None:
            raise
        raise describe_error(error, operation, subject) from None
    return response


def describe_error(error: Exception, operation: str, subject: str) -> OperateError:
    """One line saying what went wrong with an AWS call, and the exit code to leave with."""
    from botocore.exceptions import (
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(error, (NoCredentialsError, PartialCredentialsError)):
        return OperateError(
            "no AWS credentials found: configure them (aws configure, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY) and try again"
        )
    if isinstance(error, NoRegionError):
        return OperateError("no AWS region: pass --region or set AWS_DEFAULT_REGION", EXIT_USAGE)
    if isinstance(error, EndpointConnectionError):
        return OperateError(f"cannot reach AWS for {operation}: {error}")
    details = handler_sagemaker._error_details(error)
    if details is None:
        return OperateError(f"{operation} failed: {error}")
    code, message, attempts, status = details
    on = f" for {subject!r}" if subject else ""
    if code in ACCESS_DENIED_CODES:
        return OperateError(f"access denied: {operation}{on}: {message}")
    if code in BAD_CREDENTIALS_CODES:
        return OperateError(f"the AWS credentials were refused ({code}): {message}")
    if code in throttling_codes():
        tries = f" {attempts} times" if attempts else ""
        return OperateError(
            f"throttled: AWS refused {operation}{on}{tries} ({code}); try again later or with a lower --concurrency"
        )
    if handler_sagemaker.is_not_found(SageMakerError(operation, subject, code, message, attempts, status=status)):
        return OperateError(f"not found: {operation}{on}: {message}", EXIT_USAGE)
    return OperateError(f"{operation}{on} failed: {code}: {message}")
