"""Creating a job while IAM changes of the same deployment propagate: its own concern, not a retry policy.

A stack that adds a ``TuningJob`` with a new training role (or a new fixed name) changes the handler's policy
(``iam:PassRole``, the job ARN) in the same deployment, just before the custom resource runs, and IAM takes seconds
to propagate. SageMaker then refuses the create with ``AccessDeniedException`` or a ``ValidationException`` saying
the role could not be assumed. botocore does not retry those (they are not transient), and a refused create started
nothing, so :func:`create_job` tries the create again, with its own backoff, for at most
:data:`IAM_PROPAGATION_WAIT_SECONDS`. Each try is one ordinary call under the client's retry policy.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Mapping
from typing import Any

from .errors import SageMakerError
from .logs import log
from .runtime import RT
from .sagemaker import JOB_NAME_KEY, OPERATION_CREATE, call, out_of_time

IAM_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
# SageMaker's ValidationException for a role it cannot use yet, e.g. "Could not assume role arn:aws:iam::…. Please
# ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role." or "User: … is not
# authorized to perform: iam:PassRole on resource: …".
IAM_DENIED_MESSAGE = re.compile(
    r"\b(?:could not|couldn't|cannot|can't|unable to) (?:be )?assume|could not be assumed"
    r"|not authorized to perform:?\s*(?:iam:PassRole|sts:AssumeRole)",
    re.IGNORECASE,
)
IAM_PROPAGATION_WAIT_SECONDS = 90.0
IAM_BASE_DELAY_SECONDS = 2.0
IAM_MAX_DELAY_SECONDS = 16.0
IAM_HINT = (
    "IAM changes take a moment to propagate, and this deployment may have just created the training role or allowed "
    "the tuning-job provider to pass it; the create was retried for {waited:.0f} s. If the deployment still fails, "
    "check that the training role exists, trusts sagemaker.amazonaws.com, and is one the provider may pass "
    "(iam:PassRole): the TuningJob's own role or a TrainingRole of this stack, or, with an imported provider, a role "
    "it was deployed for."
)


def is_iam_denied(error: SageMakerError) -> bool:
    """Whether SageMaker refused a create for IAM reasons that may only be propagation delay."""
    return error.code in IAM_DENIED_CODES or (
        error.code == "ValidationException" and bool(IAM_DENIED_MESSAGE.search(error.service_message))
    )


def create_job(name: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """CreateHyperParameterTuningJob, tried again while SageMaker denies it for IAM reasons (at most ~90 s)."""
    params = {JOB_NAME_KEY: name, **request}
    waited = 0.0
    for attempt in itertools.count(1):
        try:
            return call(OPERATION_CREATE, name, params)
        except SageMakerError as error:
            if not is_iam_denied(error):
                raise
            ceiling = min(IAM_MAX_DELAY_SECONDS, IAM_BASE_DELAY_SECONDS * 2 ** (attempt - 1))
            delay = ceiling / 2 + RT.jitter() * ceiling / 2
            if waited + delay > IAM_PROPAGATION_WAIT_SECONDS or out_of_time(delay):
                raise SageMakerError(
                    error.operation,
                    name,
                    error.code,
                    error.service_message,
                    attempt,
                    IAM_HINT.format(waited=waited),
                    status=error.status,
                ) from error
            log(
                logging.WARNING,
                "create denied, waiting for IAM changes to propagate",
                operation=OPERATION_CREATE,
                job=name,
                code=error.code,
                attempt=attempt,
                waitedSeconds=round(waited, 1),
            )
            RT.sleep(delay)
            waited += delay
    raise AssertionError("unreachable")  # pragma: no cover
