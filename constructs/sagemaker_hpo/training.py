"""The training job definition a tuning job starts its training jobs from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from aws_cdk import Duration, Size, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from ._tree import role_arn_of, seconds_of
from ._validation import is_unresolved
from .channels import FileSystemInput
from .grants import RoleBinding
from .hyperparameters import HyperparameterValue, hyperparameter_text
from .image import TrainingImage, TrainingImageSource, as_training_image
from .instance_choices import resource_structure
from .instances import InstanceConfig, OutputCompression
from .locations import InputMode, S3Input, S3Location, as_input, as_location
from .objective import MetricDefinition
from .role import TrainingRole

__all__ = [
    "BoundTraining",
    "HyperparameterValue",
    "InstanceConfig",
    "OutputCompression",
    "TrainingDefinition",
    "bind_training",
    "hyperparameter_text",
]

CHECKPOINT_LOCAL_PATH = "/opt/ml/checkpoints"


@cache
def _default_volume_size() -> Size:
    """30 GiB: one ``Size`` for every definition (making one is a jsii round trip, and a ``Size`` never changes)."""
    return Size.gibibytes(30)


@cache
def _default_max_runtime() -> Duration:
    """One day: one ``Duration`` for every definition (a ``Duration`` never changes)."""
    return Duration.days(1)


@dataclass(frozen=True, kw_only=True)
class TrainingDefinition:
    """How each training job of a tuning job runs: image, data, output, instances, limits and network.

    :param image: the training image: a ``TrainingImage``, or a construct offering one such as
        ``GpuTrainingImage`` (whose metric definitions then come with it).
    :param inputs: channel name to an ``s3://`` URI, an ``S3Location``, an ``S3Input`` or a ``FileSystemInput``
        (EFS or FSx for Lustre, in the training VPC) (at most 20 channels;
        none for a program that makes its own data). Built-in XGBoost's ``train`` and ``validation`` channels must
        be ``S3Input`` with a ``content_type`` (e.g. ``text/csv``): without one XGBoost reads libsvm.
        Default: none.
    :param output_path: where model artifacts go: an ``s3://`` URI or an ``S3Location``.
    :param instance_type: the ML instance type, e.g. ``ml.m5.xlarge``: one of SageMaker's training instance types
        (the list shipped from botocore's model, rule HPO-TRAIN-001). Exactly one of ``instance_type`` and
        ``instance_configs`` is required. Default: none.
    :param instance_configs: instance fallback: 1 to 6 ``InstanceConfig`` of different instance types, first
        choice first; SageMaker uses the next when one has no capacity (``HyperParameterTuningResourceConfig``,
        allocation strategy ``Prioritized``). One config renders the structure's single form (``InstanceType``,
        ``InstanceCount``, ``VolumeSizeInGB``, without ``InstanceConfigs``), as the API asks. Instead of
        ``instance_type``, ``instance_count`` and ``volume_size``; ``volume_kms_key`` applies to every one (so none
        may have local NVMe storage, HPO-TRAIN-015). Default: none.
    :param allow_unlisted_instance_type: accept an ``instance_type`` newer than that list (it must still look like
        ``ml.<family>.<size>``) with a warning, HPO-TRAIN-002, instead of an error. Default: False.
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
    :param static_hyperparameters: hyperparameters every training job gets: ``str``, ``int``, ``float`` or ``bool``
        values, sent as strings (``True`` as ``true``); ``Json(...)`` for a structured value sent as JSON text.
        ``None``, dicts and lists are refused. Default: none.
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
    :param retry_attempts: how often SageMaker retries a training job that failed with an internal error
        (``RetryStrategy``, 1 to 30). Default: no retries.
    :param output_compression: how model artifacts are written: ``OutputCompression.NONE`` for uncompressed files.
        Default: SageMaker's (``GZIP``).
    :param checkpoint_local_path: where the container writes checkpoints (an absolute path), with
        ``checkpoint_path``. Default: ``/opt/ml/checkpoints``.
    :param training_plan_arn: a SageMaker training plan (reserved capacity) to run on, with ``instance_type``.
        Default: none.
    """

    image: TrainingImage | TrainingImageSource
    inputs: Mapping[str, str | S3Location | S3Input | FileSystemInput] = field(default_factory=dict)
    output_path: str | S3Location
    instance_type: str | None = None
    instance_configs: Sequence[InstanceConfig] | None = None
    allow_unlisted_instance_type: bool = False
    role: iam.IRole | None = None
    instance_count: int = 1
    volume_size: Size = field(default_factory=lambda: _default_volume_size())
    max_runtime: Duration = field(default_factory=lambda: _default_max_runtime())
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
    retry_attempts: int | None = None
    output_compression: OutputCompression | None = None
    checkpoint_local_path: str | None = None
    training_plan_arn: str | None = None

    @property
    def instance_types(self) -> tuple[str, ...]:
        """Every instance type the training jobs may run on, first choice first: those of ``instance_configs``, else
        ``instance_type`` (empty when neither is set)."""
        if self.instance_configs:
            return tuple(config.instance_type for config in self.instance_configs)
        return () if self.instance_type is None else (self.instance_type,)


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


def bind_training(scope: Construct, training: TrainingDefinition, *, volume_gib: float) -> BoundTraining:
    """Render ``training`` (already validated by the rule registry), creating (or granting) the training role in
    ``scope``. ``volume_gib`` is the volume size the rules converted (each conversion is a jsii round trip)."""
    inputs = channel_inputs(training)
    output = as_location(training.output_path)
    checkpoint = None if training.checkpoint_path is None else as_location(training.checkpoint_path)
    static = {str(k): hyperparameter_text(v) for k, v in training.static_hyperparameters.items()}
    seconds = seconds_of(training.max_runtime)
    # A whole number of seconds comes back as an int; anything else (a token) is rendered as the CDK renders it.
    runtime_seconds = seconds if isinstance(seconds, int) else training.max_runtime.to_seconds()

    role = training.role
    if role is None:
        role = TrainingRole(scope, "TrainingRole")
    role_arn = role_arn_of(role)  # read once per role: each read is a jsii round trip
    # Every input, output, key, image and VPC binds itself to the role (grants, or says why it cannot).
    binding = RoleBinding.of(scope, role)
    for name, channel in inputs.items():
        if isinstance(channel, S3Input):  # a file system is reached through the VPC, not the role
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
        vpc_config, security_groups, subnet_ids = _vpc_config(scope, training)
        listed = not (len(subnet_ids) == 1 and Token.is_unresolved(subnet_ids))  # an encoded list token names none
        binding.vpc(training.vpc, subnet_ids if listed else [], "training.vpc")

    image = as_training_image(training.image)
    bound_image = image.bind(scope, binding)
    metric_definitions = merged_metric_definitions(training)

    source = (
        {"TrainingImage": bound_image.image_uri}
        if bound_image.algorithm_name is None
        else {"AlgorithmName": bound_image.algorithm_name}
    )
    algorithm: dict[str, Any] = {**source, "TrainingInputMode": training.input_mode.value}
    if metric_definitions:
        algorithm["MetricDefinitions"] = [m._render() for m in metric_definitions]
    definition: dict[str, Any] = {
        "AlgorithmSpecification": algorithm,
        "RoleArn": role_arn,
        "OutputDataConfig": {"S3OutputPath": output.uri},
        **_resources(training, volume_gib),
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
        resource_structure(definition)["VolumeKmsKeyId"] = training.volume_kms_key.key_arn
    if training.output_compression is not None:
        definition["OutputDataConfig"]["CompressionType"] = training.output_compression.value
    if training.retry_attempts is not None:
        definition["RetryStrategy"] = {"MaximumRetryAttempts": training.retry_attempts}
    if training.use_spot_instances:
        max_wait = training.max_wait or Duration.seconds(2 * runtime_seconds)
        definition["StoppingCondition"]["MaxWaitTimeInSeconds"] = max_wait.to_seconds()
    if checkpoint is not None:
        definition["CheckpointConfig"] = {
            "S3Uri": checkpoint.uri,
            "LocalPath": training.checkpoint_local_path or CHECKPOINT_LOCAL_PATH,
        }
    if training.environment:
        definition["Environment"] = dict(training.environment)
    if vpc_config is not None:
        definition["VpcConfig"] = vpc_config

    names = frozenset(m.name for m in metric_definitions) | (bound_image.builtin_metrics or frozenset())
    return BoundTraining(
        definition, role, names, bound_image.builtin_metrics is not None, static, tuple(security_groups)
    )


def channel_inputs(training: TrainingDefinition) -> dict[str, S3Input | FileSystemInput]:
    """The training definition's channels: ``S3Input`` for the S3 forms, ``FileSystemInput`` as given."""
    return {
        name: value if isinstance(value, FileSystemInput) else as_input(value)
        for name, value in training.inputs.items()
    }


def _resources(training: TrainingDefinition, volume_gib: float) -> dict[str, Any]:
    """``ResourceConfig`` for ``instance_type``; for ``instance_configs``, ``HyperParameterTuningResourceConfig``: its
    single form (``InstanceType``, ``InstanceCount``, ``VolumeSizeInGB``) for one config, ``InstanceConfigs`` with
    the ``Prioritized`` allocation strategy for several (the API takes the one or the other, never both)."""
    if training.instance_configs:
        configs = [config._render() for config in training.instance_configs]
        if len(configs) == 1:
            # One configuration: the API's single form, without InstanceConfigs (and so without the allocation
            # strategy, which orders InstanceConfigs).
            return {"HyperParameterTuningResourceConfig": configs[0]}
        return {"HyperParameterTuningResourceConfig": {"AllocationStrategy": "Prioritized", "InstanceConfigs": configs}}
    resources: dict[str, Any] = {
        "InstanceType": training.instance_type,
        "InstanceCount": training.instance_count,
        "VolumeSizeInGB": volume_gib if is_unresolved(volume_gib) else int(volume_gib),
    }
    if training.training_plan_arn is not None:
        resources["TrainingPlanArn"] = training.training_plan_arn
    return {"ResourceConfig": resources}


def merged_metric_definitions(training: TrainingDefinition) -> list[MetricDefinition]:
    """The image's metric definitions, overridden by name by the training definition's own."""
    merged: dict[str, MetricDefinition] = {m.name: m for m in as_training_image(training.image).metric_definitions}
    merged.update({m.name: m for m in training.metric_definitions})
    return list(merged.values())


def subnet_ids_of(vpc: ec2.IVpc, chosen: ec2.SubnetSelection | None) -> list[str]:
    """The subnet ids ``chosen`` selects in ``vpc`` (default: the VPC's private subnets)."""
    if chosen is None:
        selection = vpc.select_subnets()
    else:
        selection = vpc.select_subnets(
            subnet_type=chosen.subnet_type,
            subnet_group_name=chosen.subnet_group_name,
            subnets=chosen.subnets,
            availability_zones=chosen.availability_zones,
            one_per_az=chosen.one_per_az,
            subnet_filters=chosen.subnet_filters,
        )
    return list(selection.subnet_ids)


def select_subnet_ids(training: TrainingDefinition) -> list[str]:
    """The subnet ids ``training.subnets`` selects in ``training.vpc`` (default: the VPC's private subnets)."""
    assert training.vpc is not None  # a programming error: called only for a training with a VPC
    return subnet_ids_of(training.vpc, training.subnets)


def _vpc_config(
    scope: Construct, training: TrainingDefinition
) -> tuple[dict[str, Any], list[ec2.ISecurityGroup], list[str]]:
    """The ``VpcConfig`` of the training jobs, their security groups (one created when none is given) and subnets."""
    assert training.vpc is not None  # a programming error: called only for a training with a VPC
    subnet_ids = select_subnet_ids(training)
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
    config = {"SecurityGroupIds": [g.security_group_id for g in groups], "Subnets": subnet_ids}
    return config, groups, subnet_ids
