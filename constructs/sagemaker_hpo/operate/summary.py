"""The typed model of what ``status`` shows, built from a :class:`~.fetch.Snapshot` and the time it is read.

Every field SageMaker may not return yet (a job that has not started, a training job still running) is ``None``;
the renderers show it as "unknown".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .fetch import Snapshot

#: Tuning job statuses after which nothing changes.
TERMINAL_STATUSES = frozenset({"Completed", "Failed", "Stopped", "DeleteFailed"})
#: The keys of ``TrainingJobStatusCounters``, in the order they are shown.
COUNTER_KEYS = ("Completed", "InProgress", "Stopped", "NonRetryableError", "RetryableError")
SECONDS_PER_HOUR = 3600.0


def utc(timestamp: float) -> datetime:
    """A POSIX time as an aware UTC datetime."""
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _time(value: Any) -> datetime | None:
    """A timestamp of a response (boto3 gives aware datetimes; a number is POSIX seconds)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return utc(float(value))
    return None


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def _instance_count(resources: Mapping[str, Any]) -> int | None:
    """Instances of a training job: ``InstanceCount``, or the sum over a heterogeneous cluster's groups."""
    groups = resources.get("InstanceGroups") or []
    if groups:
        return sum(int(group.get("InstanceCount", 0)) for group in groups)
    return _int(resources.get("InstanceCount"))


def _instance_type(resources: Mapping[str, Any]) -> str | None:
    groups = resources.get("InstanceGroups") or []
    if groups:
        return ",".join(sorted({str(group.get("InstanceType")) for group in groups}))
    value = resources.get("InstanceType")
    return None if value is None else str(value)


@dataclass(frozen=True)
class TrainingJob:
    """One training job of the tuning job.

    :param name: ``TrainingJobName``.
    :param status: ``TrainingJobStatus``.
    :param objective_value: the final objective metric's value; None when there is none (yet).
    :param objective_status: ``ObjectiveStatus`` (``Succeeded``, ``Pending``, ``Failed``). Default: None.
    :param definition_name: ``TrainingJobDefinitionName`` (jobs with several definitions). Default: None.
    :param creation_time: when SageMaker created it. Default: None.
    :param start_time: when training started. Default: None.
    :param end_time: when training ended. Default: None.
    :param tuned_hyperparameters: the values the strategy chose. Default: none.
    :param static_hyperparameters: the other hyperparameters it ran with; None when it was not described.
    :param billable_seconds: ``BillableTimeInSeconds`` (per instance); None until SageMaker reports it.
    :param instance_count: instances it ran on; None when it was not described.
    :param instance_type: the instance type; None when it was not described.
    :param model_artifacts: ``ModelArtifacts.S3ModelArtifacts``; None when there are none (yet).
    :param failure_reason: ``FailureReason``. Default: None.
    :param secondary_status: ``SecondaryStatus`` (``Training``, ``Stopped``, ...). Default: None.
    """

    name: str
    status: str
    objective_value: float | None = None
    objective_status: str | None = None
    definition_name: str | None = None
    creation_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    tuned_hyperparameters: Mapping[str, str] = field(default_factory=dict)
    static_hyperparameters: Mapping[str, str] | None = None
    billable_seconds: int | None = None
    instance_count: int | None = None
    instance_type: str | None = None
    model_artifacts: str | None = None
    failure_reason: str | None = None
    secondary_status: str | None = None

    @property
    def elapsed_seconds(self) -> float | None:
        """Seconds from the start to the end of training; None until both are known."""
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()

    @staticmethod
    def from_responses(summary: Mapping[str, Any], details: Mapping[str, Any] | None) -> TrainingJob:
        """A training job from its ListTrainingJobsForHyperParameterTuningJob summary and DescribeTrainingJob."""
        tuned = {str(k): str(v) for k, v in (summary.get("TunedHyperParameters") or {}).items()}
        static = None
        resources: Mapping[str, Any] = {}
        if details is not None:
            static = {str(k): str(v) for k, v in (details.get("HyperParameters") or {}).items() if k not in tuned}
            resources = details.get("ResourceConfig") or {}
        details = details or {}
        metric = summary.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
        return TrainingJob(
            name=str(summary["TrainingJobName"]),
            status=str(summary.get("TrainingJobStatus") or details.get("TrainingJobStatus") or "unknown"),
            objective_value=_number(metric.get("Value")),
            objective_status=summary.get("ObjectiveStatus"),
            definition_name=summary.get("TrainingJobDefinitionName"),
            creation_time=_time(summary.get("CreationTime")),
            start_time=_time(summary.get("TrainingStartTime") or details.get("TrainingStartTime")),
            end_time=_time(summary.get("TrainingEndTime") or details.get("TrainingEndTime")),
            tuned_hyperparameters=tuned,
            static_hyperparameters=static,
            billable_seconds=_int(details.get("BillableTimeInSeconds")),
            instance_count=_instance_count(resources) if resources else None,
            instance_type=_instance_type(resources) if resources else None,
            model_artifacts=(details.get("ModelArtifacts") or {}).get("S3ModelArtifacts"),
            failure_reason=summary.get("FailureReason") or details.get("FailureReason"),
            secondary_status=details.get("SecondaryStatus"),
        )


@dataclass(frozen=True)
class InstanceHours:
    """Instance-hours the tuning job has used, against its ceiling.

    :param billed: hours SageMaker reports as billed (``BillableTimeInSeconds`` x instances, ended training jobs).
    :param running_estimate: hours of the training jobs still running, from their start to now (not billed yet).
    :param billed_jobs: training jobs whose billable time is known.
    :param unknown_jobs: training jobs whose billable time is not known yet (not described, not started, or no
        billable time reported).
    :param ceiling: the most the job may use: MaxNumberOfTrainingJobs x instances x each training job's
        MaxRuntimeInSeconds; None when the job does not say.
    """

    billed: float
    running_estimate: float
    billed_jobs: int
    unknown_jobs: int
    ceiling: float | None

    @property
    def used(self) -> float:
        """Billed hours plus the estimate for running training jobs."""
        return self.billed + self.running_estimate


@dataclass(frozen=True)
class JobSummary:
    """A tuning job as ``status`` shows it.

    :param name: the tuning job's name.
    :param status: ``HyperParameterTuningJobStatus``.
    :param now: when it was read.
    :param strategy: ``Hyperband``, ``Bayesian``, ``Random`` or ``Grid``; None when not returned.
    :param objective_type: ``Maximize`` or ``Minimize``; None when not returned.
    :param objective_metric: the objective metric's name; None when not returned.
    :param arn: the job's ARN. Default: None.
    :param creation_time: when it was created. Default: None.
    :param end_time: ``HyperParameterTuningEndTime``. Default: None.
    :param max_runtime_seconds: ``ResourceLimits.MaxRuntimeInSeconds`` of the tuning job. Default: None.
    :param max_jobs: ``MaxNumberOfTrainingJobs``. Default: None.
    :param max_parallel_jobs: ``MaxParallelTrainingJobs``. Default: None.
    :param counters: ``TrainingJobStatusCounters`` (absent keys: not returned). Default: none.
    :param failure_reason: ``FailureReason``. Default: None.
    :param completion_reason: why it ended early (target reached, no improvement, convergence). Default: None.
    :param best: the best training job so far. Default: None.
    :param training_jobs: every training job, oldest first. Default: none.
    :param instance_hours: instance-hours used and the ceiling. Default: None.
    """

    name: str
    status: str
    now: datetime
    strategy: str | None = None
    objective_type: str | None = None
    objective_metric: str | None = None
    arn: str | None = None
    creation_time: datetime | None = None
    end_time: datetime | None = None
    max_runtime_seconds: int | None = None
    max_jobs: int | None = None
    max_parallel_jobs: int | None = None
    counters: Mapping[str, int] = field(default_factory=dict)
    failure_reason: str | None = None
    completion_reason: str | None = None
    best: TrainingJob | None = None
    training_jobs: tuple[TrainingJob, ...] = ()
    instance_hours: InstanceHours | None = None

    @property
    def ended(self) -> bool:
        """Whether the tuning job has ended (Completed, Failed, Stopped)."""
        return self.status in TERMINAL_STATUSES

    @property
    def elapsed_seconds(self) -> float | None:
        """Seconds since creation (until the end when it has ended); None when the creation time is unknown."""
        if self.creation_time is None:
            return None
        end = self.end_time if self.end_time is not None and self.ended else self.now
        return max(0.0, (end - self.creation_time).total_seconds())

    @property
    def time_left_seconds(self) -> float | None:
        """Seconds left before ``max_runtime`` stops the job: 0 once it ended; None when not known."""
        if self.ended:
            return 0.0
        elapsed = self.elapsed_seconds
        if self.max_runtime_seconds is None or elapsed is None:
            return None
        return max(0.0, self.max_runtime_seconds - elapsed)

    @property
    def finished_jobs(self) -> int | None:
        """Training jobs that have ended (completed, stopped, failed); None when the counters are not returned."""
        if not self.counters:
            return None
        return sum(self.counters.get(key, 0) for key in ("Completed", "Stopped", "NonRetryableError"))

    @property
    def maximize(self) -> bool:
        """Whether a larger objective is better (Maximize; Minimize otherwise)."""
        return self.objective_type == "Maximize"

    def top(self, count: int) -> list[TrainingJob]:
        """The ``count`` training jobs with the best objective values, best first."""
        scored = [job for job in self.training_jobs if job.objective_value is not None]
        sign = -1.0 if self.maximize else 1.0
        scored.sort(key=lambda job: (sign * (job.objective_value or 0.0), job.name))
        return scored[: max(0, count)]


def _ceiling(name: str, job: Mapping[str, Any]) -> float | None:
    """The dry run's instance-hours ceiling of the job (the same formula), from the describe response.

    A job with several training definitions gets the largest of their ceilings (any of them may run every job).
    """
    from sagemaker_hpo.dryrun.checks import budget
    from sagemaker_hpo.dryrun.job import job_spec_from_request

    definitions = job.get("TrainingJobDefinitions") or []
    variants = [job] if not definitions else [{**job, "TrainingJobDefinition": d} for d in definitions]
    ceilings = []
    for variant in variants:
        try:
            value = budget(job_spec_from_request(name, variant)).get("instance_hours_ceiling")
        except Exception:  # a response the dry run's parser does not take: that ceiling is unknown
            return None
        if value is None:
            return None
        ceilings.append(float(value))
    return max(ceilings) if ceilings else None


def instance_hours(name: str, job: Mapping[str, Any], jobs: Sequence[TrainingJob], now: datetime) -> InstanceHours:
    """Instance-hours used by ``jobs`` as of ``now``, and the job's ceiling."""
    billed = running = 0.0
    billed_jobs = unknown = 0
    for training in jobs:
        if training.billable_seconds is not None and training.instance_count is not None:
            billed += training.billable_seconds * training.instance_count / SECONDS_PER_HOUR
            billed_jobs += 1
            continue
        unknown += 1
        if training.status == "InProgress" and training.start_time is not None and training.instance_count:
            running += max(0.0, (now - training.start_time).total_seconds()) * training.instance_count
    return InstanceHours(
        billed=billed,
        running_estimate=running / SECONDS_PER_HOUR,
        billed_jobs=billed_jobs,
        unknown_jobs=unknown,
        ceiling=_ceiling(name, job),
    )


def _completion_reason(job: Mapping[str, Any]) -> str | None:
    details = job.get("TuningJobCompletionDetails") or {}
    if details.get("ConvergenceDetectedTime"):
        return "SageMaker detected that the objective converged"
    not_improving = details.get("NumberOfTrainingJobsObjectiveNotImproving")
    criteria = (job.get("HyperParameterTuningJobConfig") or {}).get("TuningJobCompletionCriteria") or {}
    limit = (criteria.get("BestObjectiveNotImproving") or {}).get("MaxNumberOfTrainingJobsNotImproving")
    if limit is not None and not_improving is not None and int(not_improving) >= int(limit):
        return f"the objective did not improve for {not_improving} training jobs"
    return None


def summarize(snapshot: Snapshot, now: datetime) -> JobSummary:
    """The summary of ``snapshot`` as of ``now``."""
    job = snapshot.job
    name = str(job.get("HyperParameterTuningJobName", ""))
    config = job.get("HyperParameterTuningJobConfig") or {}
    objective = config.get("HyperParameterTuningJobObjective") or {}
    limits = config.get("ResourceLimits") or {}
    trainings = [
        TrainingJob.from_responses(summary, snapshot.details.get(str(summary["TrainingJobName"])))
        for summary in snapshot.summaries
    ]
    trainings.sort(key=lambda t: (t.creation_time or t.start_time or now, t.name))
    by_name = {t.name: t for t in trainings}
    best = None
    best_summary = job.get("BestTrainingJob")
    if best_summary:
        best_name = str(best_summary.get("TrainingJobName"))
        best = by_name.get(best_name) or TrainingJob.from_responses(best_summary, snapshot.details.get(best_name))
    counters = {str(k): int(v) for k, v in (job.get("TrainingJobStatusCounters") or {}).items()}
    return JobSummary(
        name=name,
        status=str(job.get("HyperParameterTuningJobStatus") or "unknown"),
        now=now,
        strategy=config.get("Strategy"),
        objective_type=objective.get("Type"),
        objective_metric=objective.get("MetricName"),
        arn=job.get("HyperParameterTuningJobArn"),
        creation_time=_time(job.get("CreationTime")),
        end_time=_time(job.get("HyperParameterTuningEndTime")),
        max_runtime_seconds=_int(limits.get("MaxRuntimeInSeconds")),
        max_jobs=_int(limits.get("MaxNumberOfTrainingJobs")),
        max_parallel_jobs=_int(limits.get("MaxParallelTrainingJobs")),
        counters=counters,
        failure_reason=job.get("FailureReason"),
        completion_reason=_completion_reason(job),
        best=best,
        training_jobs=tuple(trainings),
        instance_hours=instance_hours(name, job, trainings, now),
    )
