"""The training job definition a tuning job starts its training jobs from."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_cdk import Duration, Size, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._contract import contract
from ._validation import Checker, is_unresolved
from .grants import RoleBinding
from .image import TrainingImage, TrainingImageSource, as_training_image
from .locations import InputMode, S3Input, S3Location, as_input, as_location
from .objective import MetricDefinition
from .role import TrainingRole

#: A static hyperparameter value; sent to SageMaker as a string.
HyperparameterValue = str | int | float | bool

ROLE_ARN_PATTERN = re.compile(r"^arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$")
CHANNEL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9\.\-_]+$")
ENVIRONMENT_KEY_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_TRAINING_RUNTIME = Duration.days(28)
_MAX_TRAINING_RUNTIME_SECONDS = int(MAX_TRAINING_RUNTIME.to_seconds())
CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"


def hyperparameter_text(value: HyperparameterValue) -> str:
    """The string SageMaker receives for a hyperparameter value (``True`` becomes ``"true"``)."""
    if isinstance(value, float) and Token.is_unresolved(value):
        return str(value)  # a token's string form, resolved by CloudFormation
    return contract.api_string(value)


@dataclass(frozen=True, kw_only=True)
class TrainingDefinition:
    """How each training job of a tuning job runs: image, data, output, instances, limits and network.

    :param image: the training image: a ``TrainingImage``, or a construct offering one such as
        ``GpuTrainingImage`` (whose metric definitions then come with it).
    :param inputs: channel name to an ``s3://`` URI, an ``S3Location`` or an ``S3Input`` (at most 20 channels;
        none for a program that makes its own data).
    :param output_path: where model artifacts go: an ``s3://`` URI or an ``S3Location``.
    :param instance_type: the ML instance type, e.g. ``ml.m5.xlarge``.
    :param role: the role SageMaker assumes. Default: a ``TrainingRole`` created for exactly this job's inputs,
        output, checkpoints, image, logs and network. A role passed here is granted the same when it can be changed
        (a ``TrainingRole``, an ``iam.Role``, a mutable import); a platform's imported role must already have them
        (synth error otherwise, naming the missing permission); any other immutable role gets the warning
        ``sagemaker-hpo:ImmutableRoleNotGranted`` per permission it was not granted.
    :param instance_count: instances per training job. Default: 1.
    :param volume_size: storage volume per instance. Default: 30 GiB.
    :param max_runtime: the longest a training job may run (at most 28 days). Default: 1 day.
    :param use_spot_instances: managed spot training. Default: False.
    :param max_wait: with spot instances, the longest a job may take including waiting for capacity; at least
        ``max_runtime``. Default: twice ``max_runtime`` when spot instances are used.
    :param checkpoint_path: where training jobs save checkpoints (resumed after a spot interruption).
        Default: none.
    :param static_hyperparameters: hyperparameters every training job gets; values are sent as strings.
        Default: none.
    :param metric_definitions: how metrics are read from the training logs. Default: the image's own
        definitions (built-in algorithms and ``GpuTrainingImage`` define theirs).
    :param environment: environment variables of the training container (at most 48). Default: none.
    :param vpc: run training containers in this VPC. Default: no VPC.
    :param subnets: the VPC's subnets to use (1 to 16). Default: the VPC's private subnets.
    :param security_groups: security groups (1 to 5). Default: one created that admits traffic only from itself
        (between the instances of a distributed training job).
    :param enable_network_isolation: no outbound network access from the container. Default: False.
    :param enable_inter_container_traffic_encryption: encrypt traffic between instances. Default: False.
    :param volume_kms_key: KMS key for the instances' storage volumes. Default: AWS managed encryption.
    :param output_kms_key: KMS key for the model artifacts. Default: the key of ``output_path`` when it is an
        ``S3Location`` with one (e.g. a bucket encrypted with a customer key); otherwise the bucket's default
        encryption.
    :param input_mode: how channels are read unless a channel says otherwise. Default: ``InputMode.FILE``.
    """

    image: TrainingImage | TrainingImageSource
    inputs: Mapping[str, str | S3Location | S3Input] = field(default_factory=dict)
    output_path: str | S3Location
    instance_type: str
    role: iam.IRole | None = None
    instance_count: int = 1
    volume_size: Size = field(default_factory=lambda: Size.gibibytes(30))
    max_runtime: Duration = field(default_factory=lambda: Duration.days(1))
    use_spot_instances: bool = False
    max_wait: Duration | None = None
    checkpoint_path: str | S3Location | None = None
    static_hyperparameters: Mapping[str, HyperparameterValue] = field(default_factory=dict)
    metric_definitions: Sequence[MetricDefinition] = ()
    environment: Mapping[str, str] = field(default_factory=dict)
    vpc: ec2.IVpc | None = None
    subnets: ec2.SubnetSelection | None = None
    security_groups: Sequence[ec2.ISecurityGroup] | None = None
    enable_network_isolation: bool = False
    enable_inter_container_traffic_encryption: bool = False
    volume_kms_key: kms.IKey | None = None
    output_kms_key: kms.IKey | None = None
    input_mode: InputMode = InputMode.FILE


@dataclass(frozen=True)
class BoundTraining:
    """A training definition rendered for one tuning job."""

    #: The ``TrainingJobDefinition`` request structure (without the tuning-specific ranges).
    definition: dict[str, Any]
    #: The role SageMaker assumes.
    role: iam.IRole
    #: Metric names SageMaker can read for the objective; ``None`` when unknown (tokens).
    metric_names: frozenset[str]
    #: True for built-in algorithms, which define their own metrics.
    builtin: bool
    #: The static hyperparameters as SageMaker receives them.
    static_hyperparameters: dict[str, str]
    #: The security groups of the training containers (empty without a VPC).
    security_groups: tuple[ec2.ISecurityGroup, ...] = ()


def bind_training(scope: Construct, training: TrainingDefinition, check: Checker) -> BoundTraining:
    """Validate ``training`` and render it, creating (or granting) the training role in ``scope``."""
    inputs = _channels(training, check)
    output = _location(training.output_path, "training.output_path", check)
    checkpoint = None
    if training.checkpoint_path is not None:
        checkpoint = _location(training.checkpoint_path, "training.checkpoint_path", check)
    static = {str(k): hyperparameter_text(v) for k, v in training.static_hyperparameters.items()}
    volume_gib, runtime_seconds = _validate_scalars(training, static, check)

    role = training.role
    if role is None:
        role = TrainingRole(scope, "TrainingRole")
    role_arn = role.role_arn  # read once: each read is a jsii round trip
    if training.role is not None:
        _validate_role_arn(role_arn, check)
    # Every input, output, key, image and VPC binds itself to the role (grants, or says why it cannot).
    binding = RoleBinding.of(scope, role)
    for name, channel in inputs.items():
        binding.read(channel.location, f"training.inputs[{name!r}]")
    if training.output_kms_key is None:
        binding.write(output, "training.output_path")
    else:
        binding.output_key(training.output_kms_key, output, "training.output_kms_key")
    if checkpoint is not None:
        binding.write(checkpoint, "training.checkpoint_path")
    if training.volume_kms_key is not None:
        binding.volume_key(training.volume_kms_key, "training.volume_kms_key")
    vpc_config: dict[str, Any] | None = None
    security_groups: list[ec2.ISecurityGroup] = []
    if training.vpc is not None:
        vpc_config, security_groups, subnet_ids = _vpc_config(scope, training, check)
        listed = not (len(subnet_ids) == 1 and "#{Token[" in subnet_ids[0])  # an encoded list token names none
        binding.vpc(training.vpc, subnet_ids if listed else [], "training.vpc")

    image = as_training_image(training.image)
    bound_image = image.bind(scope, binding)
    metric_definitions = _metric_definitions(training, check)

    algorithm: dict[str, Any] = {"TrainingImage": bound_image.image_uri, "TrainingInputMode": training.input_mode.value}
    if metric_definitions:
        algorithm["MetricDefinitions"] = [m._render() for m in metric_definitions]
    definition: dict[str, Any] = {
        "AlgorithmSpecification": algorithm,
        "RoleArn": role_arn,
        "OutputDataConfig": {"S3OutputPath": output.uri},
        "ResourceConfig": {
            "InstanceType": training.instance_type,
            "InstanceCount": training.instance_count,
            "VolumeSizeInGB": volume_gib,
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": runtime_seconds},
        "EnableNetworkIsolation": training.enable_network_isolation,
        "EnableInterContainerTrafficEncryption": training.enable_inter_container_traffic_encryption,
        "EnableManagedSpotTraining": training.use_spot_instances,
    }
    if inputs:
        definition["InputDataConfig"] = [channel._render(name) for name, channel in inputs.items()]
    if static:
        definition["StaticHyperParameters"] = static
    output_key = training.output_kms_key or output.kms_key
    if output_key is not None:
        definition["OutputDataConfig"]["KmsKeyId"] = output_key.key_arn
    if training.volume_kms_key is not None:
        definition["ResourceConfig"]["VolumeKmsKeyId"] = training.volume_kms_key.key_arn
    if training.use_spot_instances:
        max_wait = training.max_wait or Duration.seconds(2 * training.max_runtime.to_seconds())
        definition["StoppingCondition"]["MaxWaitTimeInSeconds"] = max_wait.to_seconds()
    if checkpoint is not None:
        definition["CheckpointConfig"] = {"S3Uri": checkpoint.uri, "LocalPath": CHECKPOINT_LOCAL_PATH}
    if training.environment:
        definition["Environment"] = dict(training.environment)
    if vpc_config is not None:
        definition["VpcConfig"] = vpc_config

    names = frozenset(m.name for m in metric_definitions) | (bound_image.builtin_metrics or frozenset())
    return BoundTraining(
        definition, role, names, bound_image.builtin_metrics is not None, static, tuple(security_groups)
    )


def _channels(training: TrainingDefinition, check: Checker) -> dict[str, S3Input]:
    check.count_between("training.inputs", training.inputs, 0, 20)
    channels: dict[str, S3Input] = {}
    for name, value in training.inputs.items():
        where = f"training.inputs[{name!r}]"
        if not is_unresolved(name):
            check.require(
                bool(CHANNEL_NAME_PATTERN.match(name)) and len(name) <= 64,
                "training.inputs channel name",
                name,
                "must match [A-Za-z0-9.\\-_]+ and be at most 64 characters",
            )
        try:
            channel = as_input(value)
        except ValueError as err:
            check.fail(where, value, str(err))
            raise  # unreachable: fail raises
        channel.location._validate(check, where)
        channels[name] = channel
    return channels


def _location(value: str | S3Location, field_name: str, check: Checker) -> S3Location:
    try:
        location = as_location(value)
    except ValueError as err:
        check.fail(field_name, value, str(err))
        raise
    location._validate(check, field_name)
    return location


def _validate_scalars(training: TrainingDefinition, static: dict[str, str], check: Checker) -> tuple[float, float]:
    """Check the definition's scalar fields; return the volume size in GiB and the runtime in seconds (each
    conversion is a jsii round trip, so the caller reuses them)."""
    check.int_between("training.instance_count", training.instance_count, 1)
    if not is_unresolved(training.instance_type):
        check.require(
            training.instance_type.startswith("ml."),
            "training.instance_type",
            training.instance_type,
            "must be an ML instance type such as ml.m5.xlarge",
        )
    volume = training.volume_size.to_gibibytes()
    check.require(volume >= 1, "training.volume_size", f"{volume} GiB", "must be at least 1 GiB")
    runtime = training.max_runtime.to_seconds()
    limit = _MAX_TRAINING_RUNTIME_SECONDS
    check.int_between("training.max_runtime (seconds)", runtime, 1, limit)
    if training.max_wait is not None and not training.use_spot_instances:
        check.fail("training.max_wait", training.max_wait.to_human_string(), "is only allowed with use_spot_instances")
    if training.use_spot_instances:
        if training.max_wait is not None:
            check.require(
                training.max_wait.to_seconds() >= runtime,
                "training.max_wait",
                training.max_wait.to_human_string(),
                f"must be at least max_runtime ({training.max_runtime.to_human_string()})",
            )
        if training.checkpoint_path is None:
            check.warn(
                "SpotWithoutCheckpoints",
                "training.use_spot_instances without checkpoint_path: an interrupted job restarts from scratch",
            )
    for name, value in static.items():
        check.length_between(f"training.static_hyperparameters name {name!r}", name, 1, 256)
        check.length_between(f"training.static_hyperparameters[{name!r}]", value, 0, 2500)
    check.count_between("training.environment", training.environment, 0, 48)
    for key, env_value in training.environment.items():
        if not is_unresolved(key):
            check.require(
                bool(ENVIRONMENT_KEY_PATTERN.match(key)) and len(key) <= 512,
                "training.environment key",
                key,
                "must match [a-zA-Z_][a-zA-Z0-9_]* (at most 512 characters)",
            )
        check.length_between(f"training.environment[{key!r}]", env_value, 0, 512)
    return volume, runtime


def _validate_role_arn(arn: str, check: Checker) -> None:
    if not is_unresolved(arn):
        check.require(
            bool(ROLE_ARN_PATTERN.match(arn)),
            "training.role",
            arn,
            "must be an IAM role ARN matching ^arn:aws[a-z\\-]*:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+$",
        )


def _metric_definitions(training: TrainingDefinition, check: Checker) -> list[MetricDefinition]:
    merged: dict[str, MetricDefinition] = {m.name: m for m in as_training_image(training.image).metric_definitions}
    merged.update({m.name: m for m in training.metric_definitions})
    definitions = list(merged.values())
    check.count_between("training.metric_definitions", definitions, 0, 40)
    for index, definition in enumerate(definitions):
        definition._validate(check, f"training.metric_definitions[{index}]")
    return definitions


def _vpc_config(
    scope: Construct, training: TrainingDefinition, check: Checker
) -> tuple[dict[str, Any], list[ec2.ISecurityGroup], list[str]]:
    assert training.vpc is not None
    chosen = training.subnets
    if chosen is None:
        selection = training.vpc.select_subnets()
    else:
        selection = training.vpc.select_subnets(
            subnet_type=chosen.subnet_type,
            subnet_group_name=chosen.subnet_group_name,
            subnets=chosen.subnets,
            availability_zones=chosen.availability_zones,
            one_per_az=chosen.one_per_az,
            subnet_filters=chosen.subnet_filters,
        )
    subnet_ids = selection.subnet_ids
    if not is_unresolved(subnet_ids):
        check.count_between("training.subnets", subnet_ids, 1, 16)
    groups = list(training.security_groups or [])
    if not groups:
        group = ec2.SecurityGroup(
            scope,
            "TrainingSecurityGroup",
            vpc=training.vpc,
            description="Training containers of a sagemaker-hpo tuning job: open only between its own members",
            allow_all_outbound=True,
        )
        # The instances of a distributed training job talk to each other through their security group.
        group.add_ingress_rule(group, ec2.Port.all_traffic(), "between the instances of a training job")
        groups = [group]
    check.count_between("training.security_groups", groups, 1, 5)
    config = {"SecurityGroupIds": [g.security_group_id for g in groups], "Subnets": subnet_ids}
    return config, groups, subnet_ids
