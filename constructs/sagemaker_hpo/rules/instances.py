"""HPO-INST: instance fallback, retries, output compression, checkpoint path and training plans."""

from __future__ import annotations

from .._validation import is_unresolved
from . import request_model
from . import service_model as model
from ._registry import Finding, Source, rule
from .subjects import JobSpec
from .training import MAX_VOLUME_GIB

_DEFAULT_VOLUME_GIB = 30


@rule(
    "HPO-INST-001",
    statement="Exactly one of instance_type and instance_configs; with instance_configs, instance_count, volume_size "
    "and training_plan_arn stay unset (each config has its own).",
    field="ResourceConfig, HyperParameterTuningResourceConfig",
    source=Source.API_REFERENCE,
    reference="HyperParameterTrainingJobDefinition: HyperParameterTuningResourceConfig instead of ResourceConfig",
    subjects=JobSpec,
)
def _one_resource_config(job: JobSpec, finding: Finding) -> None:
    training = job.training
    configs = training.instance_configs
    if configs is None:
        finding.require(
            training.instance_type is not None,
            "training.instance_type",
            None,
            "is required (or instance_configs=[InstanceConfig(...), ...] for instance fallback)",
        )
        return
    finding.require(
        training.instance_type is None,
        "training.instance_configs",
        "instance_type and instance_configs",
        "give one of them: instance_configs lists every instance type, first choice first",
    )
    finding.require(
        training.instance_count == 1,
        "training.instance_count",
        training.instance_count,
        "is set per InstanceConfig(count=...) with instance_configs",
    )
    if not is_unresolved(job.volume_gib):
        finding.require(
            job.volume_gib == _DEFAULT_VOLUME_GIB,
            "training.volume_size",
            f"{job.volume_gib:g} GiB",
            "is set per InstanceConfig(volume_size=...) with instance_configs",
        )
    finding.require(
        training.training_plan_arn is None,
        "training.training_plan_arn",
        training.training_plan_arn,
        "needs instance_type (a training plan reserves one instance type), not instance_configs",
    )


@rule(
    "HPO-INST-002",
    statement="instance_configs has 1 to 6 entries of different instance types.",
    field="HyperParameterTuningResourceConfig.InstanceConfigs",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTuningInstanceConfigs (min 1, max 6); one config per instance type",
    subjects=JobSpec,
)
def _config_count(job: JobSpec, finding: Finding) -> None:
    configs = job.training.instance_configs
    if configs is None:
        return
    shape = request_model.shape("HyperParameterTuningInstanceConfigs")
    finding.count_between("training.instance_configs", configs, shape["min"], shape["max"])
    seen: set[str] = set()
    for index, config in enumerate(configs):
        kind = config.instance_type
        if is_unresolved(kind):
            continue
        finding.require(
            kind not in seen,
            f"training.instance_configs[{index}].instance_type",
            kind,
            "appears twice: list each instance type once",
        )
        seen.add(kind)


@rule(
    "HPO-INST-003",
    statement="Each InstanceConfig names a SageMaker training instance type (unless allow_unlisted_instance_type), "
    "at least 1 instance, and 1 to 16,384 GiB of volume in whole GiB.",
    field="HyperParameterTuningInstanceConfig",
    source=Source.SERVICE_MODEL,
    reference="shapes TrainingInstanceType, TrainingInstanceCount, VolumeSizeInGB (min 1); gp2 volumes at most 16 TiB",
    subjects=JobSpec,
)
def _config_values(job: JobSpec, finding: Finding) -> None:
    from .training import INSTANCE_TYPE_SHAPE

    training = job.training
    for index, config in enumerate(training.instance_configs or ()):
        where = f"training.instance_configs[{index}]"
        kind = config.instance_type
        if not is_unresolved(kind):
            listed = kind in model.enum("TrainingInstanceType")
            finding.require(
                listed or (training.allow_unlisted_instance_type and bool(INSTANCE_TYPE_SHAPE.match(kind))),
                f"{where}.instance_type",
                kind,
                "is not a SageMaker training instance type (e.g. ml.g5.xlarge); for a newer type set "
                "allow_unlisted_instance_type=True",
            )
        finding.int_between(f"{where}.count", config.count, 1, model.maximum("TrainingInstanceCount"))
        volume = config.volume_gib
        if not is_unresolved(volume):
            finding.require(
                float(volume).is_integer() and 1 <= volume <= MAX_VOLUME_GIB,
                f"{where}.volume_size",
                f"{volume:g} GiB",
                f"must be a whole number of GiB from 1 to {MAX_VOLUME_GIB}",
            )


@rule(
    "HPO-INST-004",
    statement="retry_attempts is an integer from 1 to 30.",
    field="RetryStrategy.MaximumRetryAttempts",
    source=Source.SERVICE_MODEL,
    reference="shape MaximumRetryAttempts (min 1, max 30)",
    subjects=JobSpec,
)
def _retries(job: JobSpec, finding: Finding) -> None:
    shape = request_model.shape("MaximumRetryAttempts")
    finding.int_between("training.retry_attempts", job.training.retry_attempts, shape["min"], shape["max"])


@rule(
    "HPO-INST-005",
    statement="checkpoint_local_path is an absolute path of at most 4,096 characters, and only with checkpoint_path.",
    field="CheckpointConfig.LocalPath",
    source=Source.SERVICE_MODEL,
    reference="shape DirectoryPath (max 4096); CheckpointConfig requires S3Uri",
    subjects=JobSpec,
)
def _checkpoint_local_path(job: JobSpec, finding: Finding) -> None:
    path = job.training.checkpoint_local_path
    if path is None or is_unresolved(path):
        return
    finding.require(
        job.training.checkpoint_path is not None,
        "training.checkpoint_local_path",
        path,
        "is only used with checkpoint_path (where the checkpoints are saved in S3)",
    )
    finding.require(
        path.startswith("/") and len(path) <= request_model.shape("DirectoryPath")["max"],
        "training.checkpoint_local_path",
        path,
        "must be an absolute path (e.g. /opt/ml/checkpoints)",
    )


@rule(
    "HPO-INST-006",
    statement="training_plan_arn is a SageMaker training plan ARN.",
    field="ResourceConfig.TrainingPlanArn",
    source=Source.SERVICE_MODEL,
    reference="shape TrainingPlanArn (pattern, 50 to 2048 characters)",
    subjects=JobSpec,
)
def _training_plan(job: JobSpec, finding: Finding) -> None:
    arn = job.training.training_plan_arn
    if arn is None or is_unresolved(arn):
        return
    shape = request_model.shape("TrainingPlanArn")
    import re

    finding.require(
        shape["min"] <= len(arn) <= shape["max"] and re.fullmatch(shape["pattern"], arn) is not None,
        "training.training_plan_arn",
        arn,
        "must be a training plan ARN, arn:aws:sagemaker:<region>:<account>:training-plan/<name>",
    )


@rule(
    "HPO-INST-007",
    statement="An algorithm resource (TrainingImage.from_algorithm) is named by a name (1 to 63 letters, digits and "
    "hyphens) or an ARN of at most 170 characters, with at least one tuning metric.",
    field="AlgorithmSpecification.AlgorithmName",
    source=Source.SERVICE_MODEL,
    reference="shape ArnOrName (pattern, max 170); DescribeAlgorithm SupportedTuningJobObjectiveMetrics",
    subjects=JobSpec,
)
def _algorithm_name(job: JobSpec, finding: Finding) -> None:
    import re

    name = job.image.algorithm_name
    if name is None or is_unresolved(name):
        return
    shape = request_model.shape("ArnOrName")
    finding.require(
        len(name) <= shape["max"] and re.fullmatch(shape["pattern"], name) is not None,
        "training.image",
        name,
        "must be an algorithm name (letters, digits and hyphens) or an algorithm ARN",
    )
    finding.require(
        bool(job.builtin_metrics), "training.image", name, "from_algorithm needs metric_names: its tuning metrics"
    )
