"""Guardrails a platform sets once for its teams, enforced twice: at synth time and at run time.

At synth time every ``TuningJob`` that uses a guarded provider is checked as it is defined (in the platform's app,
and in team apps that import the team with ``HpoPlatform.from_parameters(..., team=...)`` when the guardrails are
known: ``guardrails=`` or a context lookup): a job that breaks one raises ``ValidationError`` naming its construct
path, the field and the rule id (``HPO-GUARD-*``, see ``sagemaker_hpo.guardrail_checks``). At deploy time a team app's
stack carries a CloudFormation rule that compares the guardrails it was checked against with those the platform
publishes (``guardrails-digest``), so a stack never checked, or checked against old guardrails, cannot deploy.

At run time the team provider's handler role carries one ``Deny`` statement per guardrail that SageMaker has a
condition key for on ``CreateHyperParameterTuningJob`` (service authorization reference):

============================  ===============================================================================
guardrail                     IAM condition (Deny when ...)
============================  ===============================================================================
instance_types                ``ForAnyValue:StringNotLike`` ``sagemaker:InstanceTypes``
max_training_runtime,         ``NumericGreaterThan`` ``sagemaker:MaxRuntimeInSeconds`` (a training job's limit;
max_instance_hours            instance-hours bound it too: no job may run longer than the whole budget)
require_vpc                   ``Null`` ``sagemaker:VpcSubnets``; with the platform's subnets also
                              ``ForAnyValue:StringNotEquals`` ``sagemaker:VpcSubnets``
require_network_isolation     ``Bool`` ``sagemaker:NetworkIsolation`` false, or ``Null``
require_inter_container_...   ``Bool`` ``sagemaker:InterContainerTrafficEncryption`` false, or ``Null``
require_kms                   ``ArnNotEquals`` ``sagemaker:OutputKmsKeyArn`` (the output key; a missing key is
                              denied too); ``ArnNotEquals`` ``sagemaker:VolumeKmsKeyArn`` when a volume key is
                              given; no volume key only when every instance type has local NVMe storage
                              (``ForAnyValue:StringNotLike`` ``sagemaker:InstanceTypes`` on
                              ``instance_storage.LOCAL_STORAGE_INSTANCE_PATTERNS``: SageMaker refuses a volume key
                              for those)
required_tags                 ``Null`` ``aws:RequestTag/<key>``
============================  ===============================================================================

The keys are those the service authorization reference lists for ``CreateHyperParameterTuningJob`` today: the KMS
keys are ``sagemaker:VolumeKmsKeyArn`` and ``sagemaker:OutputKmsKeyArn`` (the deprecated ``...KmsKey`` keys are no
longer filled, and a negated operator on an absent key matches: it would deny every create), so requests name keys
by ARN (``TrainingDefinition`` renders ``key.key_arn``).

Where a Deny also applies when its key is absent: the ``require_*`` statements deny an absent ``VpcSubnets``,
``NetworkIsolation``, ``InterContainerTrafficEncryption`` and output key (a compliant request always carries
them), and ``required_tags`` is a ``Null`` check itself. ``instance_types`` and the runtime limit do NOT deny an
absent ``sagemaker:InstanceTypes`` or ``sagemaker:MaxRuntimeInSeconds``: no document says which request forms fill
them (an instance-type fallback list, several training definitions), and a ``Null`` Deny would refuse compliant
jobs whose request leaves them empty. Those two guardrails (and the volume key's "no key only for local-storage
types", which depends on ``InstanceTypes``) therefore rest on the synth-time check for requests without the key:
a job of the team's provider is checked by ``GuardrailsAspect`` when it is synthesized.

SageMaker has no condition key for the instance count, the number of parallel or total training jobs, or managed
spot training: ``max_instances_per_job``, ``max_parallel_jobs``, the job-count part of ``max_instance_hours`` and
``require_spot`` are enforced at synth time only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Annotations, Duration, IAspect
from aws_cdk import aws_iam as iam
from constructs import IConstruct

from ._validation import ValidationError
from .instance_storage import LOCAL_STORAGE_INSTANCE_PATTERNS

#: The guardrails' sid prefix in the provider's handler policy.
SID_PREFIX = "Guardrail"
#: The action the run-time guardrails apply to.
CREATE_ACTION = "sagemaker:CreateHyperParameterTuningJob"


@dataclass(frozen=True, kw_only=True)
class Guardrails:
    """Limits a platform sets for the tuning jobs of a team (or of every team).

    :param instance_types: allowed instance types, each exact (``ml.m5.xlarge``) or a family pattern
        (``ml.g5.*``). Default: any.
    :param max_instances_per_job: the most instances one training job may use. Default: no limit.
    :param max_parallel_jobs: the most training jobs a tuning job may run at once. Default: no limit.
    :param max_instance_hours: the most instance-hours one tuning job may use: max jobs x instances x max runtime
        of a training job, in hours. Default: no limit.
    :param max_training_runtime: the longest one training job may run. Default: no limit.
    :param require_spot: training jobs must use managed spot training. Default: False.
    :param require_vpc: training jobs must run in a VPC (the platform's subnets when it has a VPC). Default: False.
    :param require_network_isolation: training containers must have no network access. Default: False.
    :param require_kms: storage volumes and model output must be encrypted with the platform's KMS key.
        Default: False.
    :param require_inter_container_encryption: traffic between instances must be encrypted. Default: False.
    :param required_tags: tag keys every tuning job must carry. Default: none.
    """

    instance_types: Sequence[str] | None = None
    max_instances_per_job: int | None = None
    max_parallel_jobs: int | None = None
    max_instance_hours: float | None = None
    max_training_runtime: Duration | None = None
    require_spot: bool = False
    require_vpc: bool = False
    require_network_isolation: bool = False
    require_kms: bool = False
    require_inter_container_encryption: bool = False
    required_tags: Sequence[str] = ()

    def _validate(self, path: str) -> None:
        """Check the values themselves (HPO-GUARD-014..017); errors name ``path``."""
        from .rules import run_rules
        from .rules.guardrails import GuardrailValues

        run_rules(GuardrailValues(self), path=path)

    @property
    def max_runtime_seconds(self) -> int | None:
        """The longest a training job may run under these guardrails (what IAM can enforce), in seconds."""
        limits = []
        if self.max_training_runtime is not None:
            limits.append(int(self.max_training_runtime.to_seconds()))
        if self.max_instance_hours is not None:
            limits.append(int(self.max_instance_hours * 3600))
        return min(limits) if limits else None

    def to_json(self) -> dict[str, Any]:
        """The guardrails as JSON (published under the team's namespace for people and tools)."""
        return {
            "instanceTypes": list(self.instance_types) if self.instance_types is not None else None,
            "maxInstancesPerJob": self.max_instances_per_job,
            "maxParallelJobs": self.max_parallel_jobs,
            "maxInstanceHours": self.max_instance_hours,
            "maxTrainingRuntimeSeconds": (
                None if self.max_training_runtime is None else int(self.max_training_runtime.to_seconds())
            ),
            "enforcedMaxRuntimeSeconds": self.max_runtime_seconds,
            "requireSpot": self.require_spot,
            "requireVpc": self.require_vpc,
            "requireNetworkIsolation": self.require_network_isolation,
            "requireKms": self.require_kms,
            "requireInterContainerEncryption": self.require_inter_container_encryption,
            "requiredTags": list(self.required_tags),
        }

    @staticmethod
    def from_json(data: dict[str, Any]) -> Guardrails:
        """Guardrails from their published JSON (:meth:`to_json`), e.g. read from a team's namespace."""
        runtime = data.get("maxTrainingRuntimeSeconds")
        return Guardrails(
            instance_types=data.get("instanceTypes"),
            max_instances_per_job=data.get("maxInstancesPerJob"),
            max_parallel_jobs=data.get("maxParallelJobs"),
            max_instance_hours=data.get("maxInstanceHours"),
            max_training_runtime=None if runtime is None else Duration.seconds(runtime),
            require_spot=bool(data.get("requireSpot", False)),
            require_vpc=bool(data.get("requireVpc", False)),
            require_network_isolation=bool(data.get("requireNetworkIsolation", False)),
            require_kms=bool(data.get("requireKms", False)),
            require_inter_container_encryption=bool(data.get("requireInterContainerEncryption", False)),
            required_tags=tuple(data.get("requiredTags", ())),
        )

    # -- run time: IAM ------------------------------------------------------------------------------------------------

    def deny_statements(
        self,
        job_arns: Sequence[str],
        *,
        subnet_ids: Sequence[str] = (),
        key_arn: str | None = None,
        volume_key_arn: str | None = None,
    ) -> list[iam.PolicyStatement]:
        """The ``Deny`` statements that enforce these guardrails on ``CreateHyperParameterTuningJob`` for ``job_arns``.

        :param job_arns: the job ARNs (patterns) the provider may create.
        :param subnet_ids: the platform's subnets, which jobs must use when ``require_vpc``. Default: any subnet.
        :param key_arn: the key model output must use when ``require_kms``. Default: any key (one must be given).
        :param volume_key_arn: the key storage volumes must use when ``require_kms``. Default: ``key_arn``.
        """
        found: list[iam.PolicyStatement] = []

        def deny(sid: str, conditions: dict[str, Any]) -> None:
            found.append(
                iam.PolicyStatement(
                    sid=f"{SID_PREFIX}{sid}",
                    effect=iam.Effect.DENY,
                    actions=[CREATE_ACTION],
                    resources=list(job_arns),
                    conditions=conditions,
                )
            )

        # No ``Null`` Deny on InstanceTypes or MaxRuntimeInSeconds: which requests fill them is not documented (see
        # the module docs); a request without them is covered by the synth-time check only.
        if self.instance_types is not None:
            deny("InstanceTypes", {"ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": list(self.instance_types)}})
        runtime = self.max_runtime_seconds
        if runtime is not None:
            deny("MaxRuntime", {"NumericGreaterThan": {"sagemaker:MaxRuntimeInSeconds": runtime}})
        if self.require_vpc:
            deny("VpcRequired", {"Null": {"sagemaker:VpcSubnets": "true"}})
            if subnet_ids:
                deny("VpcSubnets", {"ForAnyValue:StringNotEquals": {"sagemaker:VpcSubnets": list(subnet_ids)}})
        if self.require_network_isolation:
            deny("NetworkIsolation", {"Bool": {"sagemaker:NetworkIsolation": "false"}})
            deny("NetworkIsolationSet", {"Null": {"sagemaker:NetworkIsolation": "true"}})
        if self.require_inter_container_encryption:
            deny("InterContainerEncryption", {"Bool": {"sagemaker:InterContainerTrafficEncryption": "false"}})
            deny("InterContainerEncryptionSet", {"Null": {"sagemaker:InterContainerTrafficEncryption": "true"}})
        if self.require_kms:
            volume_key = volume_key_arn or key_arn
            if key_arn is not None:
                # ArnNotEquals also matches an absent key: a create without an output key is denied.
                deny("OutputKmsKey", {"ArnNotEquals": {"sagemaker:OutputKmsKeyArn": key_arn}})
            else:
                deny("OutputKmsKey", {"Null": {"sagemaker:OutputKmsKeyArn": "true"}})
            if volume_key is not None:
                deny(
                    "VolumeKmsKey",
                    {
                        "ArnNotEquals": {"sagemaker:VolumeKmsKeyArn": volume_key},
                        "Null": {"sagemaker:VolumeKmsKeyArn": "false"},
                    },
                )
            # Without a volume key only when every instance type has local NVMe storage (which takes none).
            deny(
                "VolumeKmsKeyRequired",
                {
                    "Null": {"sagemaker:VolumeKmsKeyArn": "true"},
                    "ForAnyValue:StringNotLike": {"sagemaker:InstanceTypes": list(LOCAL_STORAGE_INSTANCE_PATTERNS)},
                },
            )
        for index, key in enumerate(self.required_tags):
            deny(f"RequiredTag{index}", {"Null": {f"aws:RequestTag/{key}": "true"}})
        return found

    # -- synth time ---------------------------------------------------------------------------------------------------

    def check(
        self,
        path: str,
        request: dict[str, Any],
        *,
        subnet_ids: Sequence[str] = (),
        key_arn: str | None = None,
        volume_key_arn: str | None = None,
    ) -> None:
        """Raise ``ValidationError`` (naming ``path``, the field and the rule id, ``HPO-GUARD-*``) when ``request``
        breaks a guardrail.

        :param path: the construct path of the job.
        :param request: its ``CreateHyperParameterTuningJob`` request.
        :param subnet_ids: the platform's subnets. Default: any.
        :param key_arn: the key model output must use (``require_kms``). Default: any key.
        :param volume_key_arn: the key storage volumes must use (a team's own). Default: ``key_arn``.
        """
        from .instance_choices import instance_choices
        from .rules import run_rules
        from .rules.guardrails import GuardedRequest

        # Several training definitions: each is checked; instance fallback: every instance type a job may fall back
        # to must be allowed.
        for definition in request.get("TrainingJobDefinitions") or [request.get("TrainingJobDefinition", {})]:
            for choice in instance_choices(definition) or [{}]:
                subject = GuardedRequest(
                    request,
                    self,
                    tuple(subnet_ids),
                    key_arn,
                    volume_key_arn=volume_key_arn,
                    definition=definition,
                    choice=choice,
                )
                run_rules(subject, path=path)


@jsii.implements(IAspect)
class GuardrailsAspect:
    """Checks every ``TuningJob`` under the scope it is added to that uses ``provider`` against ``guardrails``.

    A violation is an error annotation on the job (``cdk synth`` fails with it, naming the rule id). Platforms, teams
    and ``HpoPlatform.from_parameters`` do not need it: they check each job of their providers as it is defined,
    which raises ``ValidationError`` in Python (``sagemaker_hpo.guardrail_checks``).
    """

    def __init__(
        self,
        guardrails: Guardrails,
        service_token: str,
        *,
        subnet_ids: Sequence[str] = (),
        key_arn: str | None = None,
        volume_key_arn: str | None = None,
    ) -> None:
        """Define a ``GuardrailsAspect``.

        :param guardrails: the limits.
        :param service_token: the service token of the team's provider (jobs with another provider are not checked).
        :param subnet_ids: the platform's subnets. Default: any.
        :param key_arn: the key of model output (the platform's key). Default: any key.
        :param volume_key_arn: the key of storage volumes (a team's own key). Default: ``key_arn``.
        """
        self.guardrails = guardrails
        self.service_token = service_token
        self.subnet_ids = tuple(subnet_ids)
        self.key_arn = key_arn
        self.volume_key_arn = volume_key_arn

    def visit(self, node: IConstruct) -> None:
        from .tuning_job import TuningJob

        if isinstance(node, TuningJob) and node.provider.service_token == self.service_token:
            try:
                self.guardrails.check(
                    node.node.path,
                    node.request,
                    subnet_ids=self.subnet_ids,
                    key_arn=self.key_arn,
                    volume_key_arn=self.volume_key_arn,
                )
            except ValidationError as error:  # an exception raised here would reach Python as a jsii RuntimeError
                Annotations.of(node).add_error(str(error))
