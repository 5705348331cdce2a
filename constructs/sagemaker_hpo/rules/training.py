"""HPO-TRAIN: the training jobs' instances, storage, runtime, spot capacity, environment, role and network."""

from __future__ import annotations

import re

from .._validation import is_unresolved
from . import service_model as model
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec

#: The longest a training job may run (SageMaker's default limit; a quota increase allows more).
MAX_TRAINING_RUNTIME_SECONDS = 28 * 24 * 3600
#: SageMaker training volumes are gp2 EBS volumes: at most 16 TiB.
MAX_VOLUME_GIB = 16384
#: What an instance type outside the shipped list must still look like.
INSTANCE_TYPE_SHAPE = re.compile(r"^ml\.[a-z0-9-]+\.[a-z0-9-]+$")


def _instance_type(job: JobSpec) -> str | None:
    value = job.training.instance_type
    return None if is_unresolved(value) else value


@rule(
    "HPO-TRAIN-001",
    statement="The instance type is one of SageMaker's training instance types (the list shipped from botocore), "
    "unless allow_unlisted_instance_type opts out.",
    field="ResourceConfig.InstanceType",
    source=Source.SERVICE_MODEL,
    reference="enum TrainingInstanceType",
    subjects=JobSpec,
)
def _listed_instance_type(job: JobSpec, finding: Finding) -> None:
    value = _instance_type(job)
    if value is None or job.training.allow_unlisted_instance_type:
        return
    if value not in model.enum("TrainingInstanceType"):
        family = value.rsplit(".", 1)[0]
        similar = [t for t in model.enum("TrainingInstanceType") if t.startswith(family + ".")][:8]
        hint = f"; {family} sizes: {', '.join(similar)}" if similar else "; e.g. ml.m5.xlarge, ml.g5.xlarge"
        finding.fail(
            "training.instance_type",
            value,
            f"is not a SageMaker training instance type{hint}. For a type newer than this library's list, set "
            "allow_unlisted_instance_type=True",
        )


@rule(
    "HPO-TRAIN-002",
    statement="An unlisted instance type (allowed by allow_unlisted_instance_type) is named ml.<family>.<size>; it "
    "gets a warning, as SageMaker may still refuse it.",
    field="ResourceConfig.InstanceType",
    source=Source.SERVICE_MODEL,
    reference="enum TrainingInstanceType",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _unlisted_instance_type(job: JobSpec, finding: Finding) -> None:
    value = _instance_type(job)
    if value is None or not job.training.allow_unlisted_instance_type or value in model.enum("TrainingInstanceType"):
        return
    if not INSTANCE_TYPE_SHAPE.match(value):
        finding.fail("training.instance_type", value, "must look like ml.<family>.<size>, e.g. ml.m5.xlarge")
    finding.warn(
        f"training.instance_type {value!r} is not in this library's list of training instance types "
        f"({model.shipped()['source']}): SageMaker refuses it at deploy time if it is not a training instance type "
        "in the region"
    )


@rule(
    "HPO-TRAIN-003",
    statement="instance_count is an integer of at least 1.",
    field="ResourceConfig.InstanceCount",
    source=Source.SERVICE_MODEL,
    reference="shape TrainingInstanceCount (a 32-bit integer); a tuning job's training jobs need an instance",
    subjects=JobSpec,
)
def _instance_count(job: JobSpec, finding: Finding) -> None:
    finding.int_between(
        "training.instance_count", job.training.instance_count, 1, model.maximum("TrainingInstanceCount")
    )


@rule(
    "HPO-TRAIN-004",
    statement="The volume size is 1 to 16,384 GiB.",
    field="ResourceConfig.VolumeSizeInGB",
    source=Source.SERVICE_LIMITS,
    reference="training volumes are gp2 EBS volumes (at most 16 TiB)",
    subjects=JobSpec,
)
def _volume_size(job: JobSpec, finding: Finding) -> None:
    volume = job.volume_gib
    if is_unresolved(volume):
        return
    finding.require(
        1 <= volume <= MAX_VOLUME_GIB, "training.volume_size", f"{volume:g} GiB", f"must be 1 to {MAX_VOLUME_GIB} GiB"
    )


@rule(
    "HPO-TRAIN-005",
    statement="A training job's max_runtime is 1 second to 28 days.",
    field="StoppingCondition.MaxRuntimeInSeconds",
    source=Source.SERVICE_LIMITS,
    reference="shape MaxRuntimeInSeconds (min 1); default limit 28 days",
    subjects=JobSpec,
)
def _training_runtime(job: JobSpec, finding: Finding) -> None:
    seconds = job.training_runtime_seconds
    if not is_unresolved(seconds):
        finding.int_between(
            "training.max_runtime (seconds)",
            int(seconds),
            model.minimum("MaxRuntimeInSeconds"),
            MAX_TRAINING_RUNTIME_SECONDS,
        )


@rule(
    "HPO-TRAIN-006",
    statement="max_wait is only allowed with use_spot_instances.",
    field="StoppingCondition.MaxWaitTimeInSeconds",
    source=Source.API_REFERENCE,
    reference="StoppingCondition.MaxWaitTimeInSeconds",
    subjects=JobSpec,
)
def _max_wait_needs_spot(job: JobSpec, finding: Finding) -> None:
    training = job.training
    if training.max_wait is not None and not training.use_spot_instances:
        finding.fail(
            "training.max_wait", training.max_wait.to_human_string(), "is only allowed with use_spot_instances"
        )


@rule(
    "HPO-TRAIN-007",
    statement="With spot instances, max_wait is at least max_runtime.",
    field="StoppingCondition.MaxWaitTimeInSeconds",
    source=Source.API_REFERENCE,
    reference="StoppingCondition.MaxWaitTimeInSeconds",
    subjects=JobSpec,
)
def _max_wait(job: JobSpec, finding: Finding) -> None:
    training = job.training
    if training.use_spot_instances and training.max_wait is not None:
        wait = training.max_wait.to_seconds(integral=False)
        if not is_unresolved(wait) and not is_unresolved(job.training_runtime_seconds):
            finding.require(
                wait >= job.training_runtime_seconds,
                "training.max_wait",
                training.max_wait.to_human_string(),
                f"must be at least max_runtime ({training.max_runtime.to_human_string()})",
            )


@rule(
    "HPO-TRAIN-008",
    statement="Spot training without checkpoint_path restarts an interrupted job from scratch.",
    field="CheckpointConfig",
    source=Source.API_REFERENCE,
    reference="managed spot training: checkpoints",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _spot_checkpoints(job: JobSpec, finding: Finding) -> None:
    if job.training.use_spot_instances and job.training.checkpoint_path is None:
        finding.warn("training.use_spot_instances without checkpoint_path: an interrupted job restarts from scratch")


@rule(
    "HPO-TRAIN-009",
    statement="At most 48 environment variables.",
    field="Environment",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTrainingJobEnvironmentMap (max 48)",
    subjects=JobSpec,
)
def _environment_count(job: JobSpec, finding: Finding) -> None:
    name = "HyperParameterTrainingJobEnvironmentMap"
    finding.count_between("training.environment", job.training.environment, model.minimum(name), model.maximum(name))


@rule(
    "HPO-TRAIN-010",
    statement="An environment variable's name matches [a-zA-Z_][a-zA-Z0-9_]* (at most 512 characters).",
    field="Environment (keys)",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTrainingJobEnvironmentKey",
    subjects=JobSpec,
)
def _environment_keys(job: JobSpec, finding: Finding) -> None:
    name = "HyperParameterTrainingJobEnvironmentKey"
    for key in job.training.environment:
        if not is_unresolved(key):
            finding.require(
                bool(model.pattern(name).match(key)) and len(key) <= model.maximum(name),
                "training.environment key",
                key,
                "must match [a-zA-Z_][a-zA-Z0-9_]* (at most 512 characters)",
            )


@rule(
    "HPO-TRAIN-011",
    statement="An environment variable's value is at most 512 characters.",
    field="Environment (values)",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTrainingJobEnvironmentValue (max 512)",
    subjects=JobSpec,
)
def _environment_values(job: JobSpec, finding: Finding) -> None:
    limit = model.maximum("HyperParameterTrainingJobEnvironmentValue")
    for key, value in job.training.environment.items():
        finding.length_between(f"training.environment[{key!r}]", value, 0, limit)


@rule(
    "HPO-TRAIN-012",
    statement="A role passed in is an IAM role ARN.",
    field="TrainingJobDefinition.RoleArn",
    source=Source.SERVICE_MODEL,
    reference="shape RoleArn (pattern, 20 to 2048 characters)",
    subjects=JobSpec,
)
def _role_arn(job: JobSpec, finding: Finding) -> None:
    from .._tree import role_arn_of

    role = job.training.role
    if role is None:
        return
    arn = role_arn_of(role)
    if not is_unresolved(arn):
        finding.require(
            bool(model.pattern("RoleArn").match(arn)) and len(arn) <= model.maximum("RoleArn"),
            "training.role",
            arn,
            "must be an IAM role ARN matching ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$",
        )


@rule(
    "HPO-TRAIN-013",
    statement="With a VPC, 1 to 16 subnets.",
    field="VpcConfig.Subnets",
    source=Source.SERVICE_MODEL,
    reference="shape Subnets (min 1, max 16)",
    subjects=JobSpec,
)
def _subnets(job: JobSpec, finding: Finding) -> None:
    if job.training.vpc is None:
        return
    from ..training import select_subnet_ids

    subnet_ids = select_subnet_ids(job.training)
    if not is_unresolved(subnet_ids):
        finding.count_between("training.subnets", subnet_ids, model.minimum("Subnets"), model.maximum("Subnets"))


@rule(
    "HPO-TRAIN-014",
    statement="With a VPC, 1 to 5 security groups (default: one created for the job).",
    field="VpcConfig.SecurityGroupIds",
    source=Source.SERVICE_MODEL,
    reference="shape VpcSecurityGroupIds (min 1, max 5)",
    subjects=JobSpec,
)
def _security_groups(job: JobSpec, finding: Finding) -> None:
    groups = job.training.security_groups
    if job.training.vpc is not None and groups:  # empty: one is created
        name = "VpcSecurityGroupIds"
        finding.count_between("training.security_groups", groups, model.minimum(name), model.maximum(name))


@rule(
    "HPO-TRAIN-015",
    statement="No volume_kms_key on an instance type with local NVMe storage (ml.g4dn, g5, p4d, ...): SageMaker "
    "refuses it; the instance store is encrypted in hardware.",
    field="ResourceConfig.VolumeKmsKeyId",
    source=Source.API_REFERENCE,
    reference="ResourceConfig.VolumeKmsKeyId: no VolumeKmsKeyId with an instance type with local storage; "
    "sagemaker_hpo.instance_storage",
    subjects=JobSpec,
)
def _volume_key_on_local_storage(job: JobSpec, finding: Finding) -> None:
    from ..instance_storage import has_local_storage

    if job.training.volume_kms_key is None:
        return
    # instance_type, or every type of instance_configs: the one key applies to each of them.
    local = [t for t in job.training.instance_types if not is_unresolved(t) and has_local_storage(t)]
    if local:
        finding.fail(
            "training.volume_kms_key",
            job.training.volume_kms_key.node.path,
            f"{', '.join(local)} {'has' if len(local) == 1 else 'have'} local NVMe storage, which SageMaker encrypts "
            "in hardware and refuses a volume key for: leave volume_kms_key out (output_kms_key still applies)",
        )


@rule(
    "HPO-TRAIN-016",
    statement="Security groups and subnets are each listed once.",
    field="VpcConfig.SecurityGroupIds, VpcConfig.Subnets",
    source=Source.LIBRARY,
    reference="a repeated id adds nothing and counts against the limits of 5 security groups and 16 subnets",
    subjects=JobSpec,
)
def _distinct_network_ids(job: JobSpec, finding: Finding) -> None:
    if job.training.vpc is None:
        return
    from ..training import select_subnet_ids

    groups = [g.security_group_id for g in job.training.security_groups or ()]
    for field, ids in (("training.security_groups", groups), ("training.subnets", select_subnet_ids(job.training))):
        repeated = sorted({i for i in ids if ids.count(i) > 1})  # the same token twice is the same id too
        finding.require(not repeated, field, repeated, "each id may be listed once")
