"""Reading a tuning job from SageMaker: the job, every training job it started (all pages), each one described.

``ListTrainingJobsForHyperParameterTuningJob`` is read page by page (100 a page); ``DescribeTrainingJob`` (billable
time, instance count, model artifacts, static hyperparameters) runs on a thread pool of ``concurrency`` calls, each
with the project's one retry policy (botocore ``standard`` mode backs off when SageMaker throttles). A training job
that has ended does not change: :class:`TrainingJobCache` keeps its description between ``--watch`` refreshes.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .client import DEFAULT_CONCURRENCY, call
from .errors import EXIT_USAGE, OperateError

DESCRIBE_TUNING_JOB = "DescribeHyperParameterTuningJob"
LIST_TRAINING_JOBS = "ListTrainingJobsForHyperParameterTuningJob"
DESCRIBE_TRAINING_JOB = "DescribeTrainingJob"
#: The largest page ListTrainingJobsForHyperParameterTuningJob returns.
PAGE_SIZE = 100
#: A bound on pages read (a tuning job has at most a few thousand training jobs), against a service that never
#: stops returning NextToken.
MAX_PAGES = 1000
#: Training job statuses after which a training job no longer changes.
TERMINAL_TRAINING_STATUSES = frozenset({"Completed", "Failed", "Stopped"})


@dataclass(frozen=True)
class Snapshot:
    """What SageMaker said about a tuning job at one moment.

    :param job: the DescribeHyperParameterTuningJob response.
    :param summaries: the training job summaries of ListTrainingJobsForHyperParameterTuningJob, every page.
    :param details: training job name -> its DescribeTrainingJob response (absent: not described).
    """

    job: Mapping[str, Any]
    summaries: tuple[Mapping[str, Any], ...] = ()
    details: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


class TrainingJobCache:
    """Descriptions of training jobs that have ended, kept between refreshes (thread-safe)."""

    def __init__(self) -> None:
        self._ended: dict[str, Mapping[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> Mapping[str, Any] | None:
        """The kept description of ``name``, if it has ended."""
        with self._lock:
            return self._ended.get(name)

    def put(self, name: str, description: Mapping[str, Any]) -> None:
        """Keep ``description`` when its training job has ended."""
        if description.get("TrainingJobStatus") in TERMINAL_TRAINING_STATUSES:
            with self._lock:
                self._ended[name] = description


def describe_tuning_job(sagemaker: Any, name: str) -> dict[str, Any]:
    """DescribeHyperParameterTuningJob, with "no such job" said plainly."""
    try:
        return call(sagemaker, DESCRIBE_TUNING_JOB, name, HyperParameterTuningJobName=name)
    except OperateError as error:
        if error.exit_code == EXIT_USAGE and str(error).startswith("not found"):
            raise OperateError(f"no tuning job named {name!r} in this account and region", EXIT_USAGE) from None
        raise


def list_training_jobs(sagemaker: Any, name: str) -> Iterator[Mapping[str, Any]]:
    """Every training job summary of the tuning job, following NextToken."""
    params: dict[str, Any] = {"HyperParameterTuningJobName": name, "MaxResults": PAGE_SIZE}
    for _page in range(MAX_PAGES):
        response = call(sagemaker, LIST_TRAINING_JOBS, name, **params)
        yield from response.get("TrainingJobSummaries") or []
        token = response.get("NextToken")
        if not token:
            return
        params["NextToken"] = token


def _describe(sagemaker: Any, cache: TrainingJobCache, name: str) -> Mapping[str, Any]:
    description = call(sagemaker, DESCRIBE_TRAINING_JOB, name, TrainingJobName=name)
    cache.put(name, description)
    return description


def fetch(
    sagemaker: Any,
    name: str,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    cache: TrainingJobCache | None = None,
) -> Snapshot:
    """The tuning job, its training jobs and each training job's description.

    The descriptions of a page's training jobs are asked for while the next page is read. On the first failure the
    calls not started yet are dropped, and the failure is raised.

    :param sagemaker: a SageMaker client.
    :param name: the tuning job's name.
    :param concurrency: DescribeTrainingJob calls at a time. Default: :data:`~.client.DEFAULT_CONCURRENCY`.
    :param cache: descriptions of ended training jobs kept from an earlier call. Default: none.
    """
    job = describe_tuning_job(sagemaker, name)
    cache = cache if cache is not None else TrainingJobCache()
    summaries: list[Mapping[str, Any]] = []
    details: dict[str, Mapping[str, Any]] = {}
    pending: dict[str, Future[Mapping[str, Any]]] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency))
    try:
        for summary in list_training_jobs(sagemaker, name):
            summaries.append(summary)
            training = str(summary["TrainingJobName"])
            kept = cache.get(training)
            if kept is not None:
                details[training] = kept
            elif training not in pending:
                pending[training] = pool.submit(_describe, sagemaker, cache, training)
        for training, future in pending.items():
            details[training] = future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return Snapshot(job=job, summaries=tuple(summaries), details=details)
