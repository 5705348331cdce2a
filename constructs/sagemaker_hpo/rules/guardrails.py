"""HPO-GUARD: a job of a team's (or a platform's) provider stays within the platform's guardrails.

The subject is the rendered ``CreateHyperParameterTuningJob`` request with the guardrails it is checked against
(``GuardedRequest``); ``Guardrails.check`` runs these rules, and every ``TuningJob`` of a guarded provider is checked
as it is defined (``sagemaker_hpo.guardrail_checks``), so a violation is a ``ValidationError`` with the job's path.
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._validation import is_unresolved
from ..instance_choices import instance_choices, resource_structure
from ..instance_storage import has_local_storage
from ._registry import Finding, Source, rule

if TYPE_CHECKING:  # pragma: no cover
    from ..guardrails import Guardrails


@dataclass(frozen=True)
class GuardedRequest:
    """A ``CreateHyperParameterTuningJob`` request (without the job name) and the guardrails it must keep.

    :param request: the request.
    :param guardrails: the guardrails.
    :param subnet_ids: the platform's subnets (``require_vpc``). Default: any.
    :param key_arn: the platform's key (``require_kms``). Default: any key.
    :param volume_key_arn: the key storage volumes must use (a team's own volume key). Default: ``key_arn``.
    :param definition: the training job definition checked (one of ``TrainingJobDefinitions``). Default: the
        request's ``TrainingJobDefinition``.
    :param choice: the instance choice checked (one of ``instances.instance_choices(definition)``: a fallback
        ``InstanceConfig``, the single form of ``HyperParameterTuningResourceConfig`` or the ``ResourceConfig``).
        Default: the definition's first choice.
    """

    request: dict[str, Any]
    guardrails: Guardrails
    subnet_ids: Sequence[str] = ()
    key_arn: str | None = None
    volume_key_arn: str | None = None
    definition: dict[str, Any] = field(default_factory=dict, repr=False)
    choice: Mapping[str, Any] = field(default_factory=dict, repr=False)
    resources: dict[str, Any] = field(init=False, repr=False)
    limits: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        definition = self.definition or self.request.get("TrainingJobDefinition", {})
        object.__setattr__(self, "definition", definition)
        # The storage settings: the definition's ResourceConfig, or its instance-fallback config.
        resources = resource_structure(definition)
        object.__setattr__(self, "resources", resources)
        choices = instance_choices(definition)
        object.__setattr__(self, "choice", self.choice or (choices[0] if choices else {}))
        config = self.request.get("HyperParameterTuningJobConfig", {})
        object.__setattr__(self, "limits", config.get("ResourceLimits", {}))

    @property
    def config(self) -> dict[str, Any]:
        return dict(self.request.get("HyperParameterTuningJobConfig", {}))

    def known(self, *values: Any) -> bool:
        """True when every value is set and known at synth time."""
        return all(value is not None and not is_unresolved(value) for value in values)

    @property
    def instance_type(self) -> Any:
        return self.choice.get("InstanceType")

    @property
    def instance_count(self) -> Any:
        return self.choice.get("InstanceCount")

    @property
    def runtime_seconds(self) -> Any:
        return self.definition.get("StoppingCondition", {}).get("MaxRuntimeInSeconds")

    def grid_size(self) -> int | None:
        """The number of training jobs a Grid search without ``MaxNumberOfTrainingJobs`` runs: SageMaker runs every
        combination of the categorical values (Grid takes categorical ranges only). ``None`` when not a Grid search
        or a value is a token."""
        config = self.config
        if config.get("Strategy") != "Grid":
            return None
        ranges = config.get("ParameterRanges", {}).get("CategoricalParameterRanges", [])
        values = [r.get("Values", []) for r in ranges]
        if not values or any(is_unresolved(v) for v in values):
            return None
        return math.prod(len(v) for v in values)


def _fail(finding: Finding, field_name: str, value: Any, allowed: str) -> None:
    finding.fail(field_name, value, f"the platform's guardrails: {allowed}")


@rule(
    "HPO-GUARD-001",
    statement="A guarded job's instance type matches one of the guardrails' instance_types.",
    field="ResourceConfig.InstanceType",
    source=Source.LIBRARY,
    reference="Guardrails.instance_types (IAM: sagemaker:InstanceTypes)",
    subjects=GuardedRequest,
)
def _instance_types(subject: GuardedRequest, finding: Finding) -> None:
    allowed = subject.guardrails.instance_types
    value = subject.instance_type
    if allowed is not None and subject.known(value):
        if not any(fnmatch.fnmatchcase(value, pattern) for pattern in allowed):
            _fail(finding, "training.instance_type", value, f"must be one of {', '.join(allowed)}")


@rule(
    "HPO-GUARD-002",
    statement="A guarded job uses at most max_instances_per_job instances per training job.",
    field="ResourceConfig.InstanceCount",
    source=Source.LIBRARY,
    reference="Guardrails.max_instances_per_job (no IAM condition key: synth time only)",
    subjects=GuardedRequest,
)
def _instance_count(subject: GuardedRequest, finding: Finding) -> None:
    limit = subject.guardrails.max_instances_per_job
    count = subject.instance_count
    if limit is not None and subject.known(count) and count > limit:
        _fail(finding, "training.instance_count", count, f"must be at most {limit}")


@rule(
    "HPO-GUARD-003",
    statement="A guarded job runs at most max_parallel_jobs training jobs at once.",
    field="ResourceLimits.MaxParallelTrainingJobs",
    source=Source.LIBRARY,
    reference="Guardrails.max_parallel_jobs (no IAM condition key: synth time only)",
    subjects=GuardedRequest,
)
def _parallel_jobs(subject: GuardedRequest, finding: Finding) -> None:
    limit = subject.guardrails.max_parallel_jobs
    parallel: Any = subject.limits.get("MaxParallelTrainingJobs")
    if limit is not None and subject.known(parallel) and parallel > limit:
        _fail(finding, "max_parallel_jobs", parallel, f"must be at most {limit}")


@rule(
    "HPO-GUARD-004",
    statement="A guarded job's training jobs run at most max_training_runtime (and no longer than max_instance_hours).",
    field="StoppingCondition.MaxRuntimeInSeconds",
    source=Source.LIBRARY,
    reference="Guardrails.max_training_runtime, max_instance_hours (IAM: sagemaker:MaxRuntimeInSeconds)",
    subjects=GuardedRequest,
)
def _runtime(subject: GuardedRequest, finding: Finding) -> None:
    limit = subject.guardrails.max_runtime_seconds
    runtime = subject.runtime_seconds
    if limit is not None and subject.known(runtime) and runtime > limit:
        _fail(finding, "training.max_runtime", f"{runtime} s", f"must be at most {limit} s")


def _instance_hours(subject: GuardedRequest, finding: Finding, jobs: Any, jobs_field: str, shown: str) -> None:
    limit = subject.guardrails.max_instance_hours
    count, runtime = subject.instance_count, subject.runtime_seconds
    if limit is None or not subject.known(jobs, count, runtime):
        return
    hours = jobs * count * runtime / 3600
    if hours > limit:
        _fail(
            finding,
            f"{jobs_field} x training.instance_count x training.max_runtime",
            f"{shown} x {count} x {runtime} s = {hours:g} instance-hours",
            f"must be at most {limit:g} instance-hours",
        )


@rule(
    "HPO-GUARD-005",
    statement="A guarded job's max_jobs x instances x training max_runtime is at most max_instance_hours.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.LIBRARY,
    reference="Guardrails.max_instance_hours (IAM bounds the runtime only)",
    subjects=GuardedRequest,
)
def _instance_hours_of_max_jobs(subject: GuardedRequest, finding: Finding) -> None:
    jobs = subject.limits.get("MaxNumberOfTrainingJobs")
    _instance_hours(subject, finding, jobs, "max_jobs", str(jobs))


@rule(
    "HPO-GUARD-006",
    statement="A guarded Grid search without max_jobs runs every combination of its categorical values: that grid "
    "size x instances x training max_runtime is at most max_instance_hours.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.API_REFERENCE,
    reference="ResourceLimits: with the Grid strategy, MaxNumberOfTrainingJobs defaults to the number of combinations",
    subjects=GuardedRequest,
)
def _instance_hours_of_a_grid(subject: GuardedRequest, finding: Finding) -> None:
    if subject.limits.get("MaxNumberOfTrainingJobs") is not None:
        return
    size = subject.grid_size()
    if size is not None:
        _instance_hours(subject, finding, size, "grid size (max_jobs left out)", f"{size} combinations")


@rule(
    "HPO-GUARD-007",
    statement="With require_spot, a guarded job uses managed spot training.",
    field="EnableManagedSpotTraining",
    source=Source.LIBRARY,
    reference="Guardrails.require_spot (no IAM condition key: synth time only)",
    subjects=GuardedRequest,
)
def _spot(subject: GuardedRequest, finding: Finding) -> None:
    if subject.guardrails.require_spot and subject.definition.get("EnableManagedSpotTraining") is not True:
        _fail(finding, "training.use_spot_instances", False, "must be True (managed spot training)")


@rule(
    "HPO-GUARD-008",
    statement="With require_vpc, a guarded job runs in a VPC, in the platform's subnets when it has a VPC.",
    field="VpcConfig.Subnets",
    source=Source.LIBRARY,
    reference="Guardrails.require_vpc (IAM: sagemaker:VpcSubnets)",
    subjects=GuardedRequest,
)
def _vpc(subject: GuardedRequest, finding: Finding) -> None:
    if not subject.guardrails.require_vpc:
        return
    vpc = subject.definition.get("VpcConfig")
    if vpc is None:
        _fail(finding, "training.vpc", None, "training jobs must run in a VPC (the platform's)")
        return
    allowed = [s for s in subject.subnet_ids if not is_unresolved(s)]
    used = vpc.get("Subnets", [])
    if allowed and not is_unresolved(used) and any(s not in allowed for s in used):
        _fail(finding, "training.subnets", used, f"must be the platform's subnets {', '.join(allowed)}")


@rule(
    "HPO-GUARD-009",
    statement="With require_network_isolation, a guarded job isolates its containers from the network.",
    field="EnableNetworkIsolation",
    source=Source.LIBRARY,
    reference="Guardrails.require_network_isolation (IAM: sagemaker:NetworkIsolation)",
    subjects=GuardedRequest,
)
def _network_isolation(subject: GuardedRequest, finding: Finding) -> None:
    if subject.guardrails.require_network_isolation and subject.definition.get("EnableNetworkIsolation") is not True:
        _fail(finding, "training.enable_network_isolation", False, "must be True")


@rule(
    "HPO-GUARD-010",
    statement="With require_inter_container_encryption, a guarded job encrypts traffic between its instances.",
    field="EnableInterContainerTrafficEncryption",
    source=Source.LIBRARY,
    reference="Guardrails.require_inter_container_encryption (IAM: sagemaker:InterContainerTrafficEncryption)",
    subjects=GuardedRequest,
)
def _inter_container_encryption(subject: GuardedRequest, finding: Finding) -> None:
    required = subject.guardrails.require_inter_container_encryption
    if required and subject.definition.get("EnableInterContainerTrafficEncryption") is not True:
        _fail(finding, "training.enable_inter_container_traffic_encryption", False, "must be True")


def _platform_key(subject: GuardedRequest, finding: Finding, field_name: str, value: Any, key_arn: str | None) -> None:
    if value is None:
        _fail(finding, field_name, None, "must be the platform's KMS key")
    if key_arn is not None and not is_unresolved(key_arn) and not is_unresolved(value) and value != key_arn:
        _fail(finding, field_name, value, f"must be the platform's KMS key {key_arn}")


@rule(
    "HPO-GUARD-011",
    statement="With require_kms, a guarded job encrypts its training volumes with the platform's key (except on "
    "instance types with local NVMe storage, which take no volume key).",
    field="ResourceConfig.VolumeKmsKeyId",
    source=Source.LIBRARY,
    reference="Guardrails.require_kms (IAM: sagemaker:VolumeKmsKeyArn); instance_storage.LOCAL_STORAGE_FAMILIES",
    subjects=GuardedRequest,
)
def _volume_key(subject: GuardedRequest, finding: Finding) -> None:
    if not subject.guardrails.require_kms:
        return
    instance_type = subject.instance_type
    if subject.known(instance_type) and has_local_storage(instance_type):
        return  # SageMaker refuses a volume key here (HPO-TRAIN-015); the instance store is encrypted in hardware
    volume_key = subject.volume_key_arn or subject.key_arn  # a team's own volume key, else the platform's
    _platform_key(subject, finding, "training.volume_kms_key", subject.resources.get("VolumeKmsKeyId"), volume_key)


@rule(
    "HPO-GUARD-012",
    statement="With require_kms, a guarded job encrypts its model output with the platform's key.",
    field="OutputDataConfig.KmsKeyId",
    source=Source.LIBRARY,
    reference="Guardrails.require_kms (IAM: sagemaker:OutputKmsKeyArn)",
    subjects=GuardedRequest,
)
def _output_key(subject: GuardedRequest, finding: Finding) -> None:
    if subject.guardrails.require_kms:
        value = subject.definition.get("OutputDataConfig", {}).get("KmsKeyId")
        _platform_key(subject, finding, "training.output_kms_key", value, subject.key_arn)


@rule(
    "HPO-GUARD-013",
    statement="A guarded job carries every tag key of the guardrails' required_tags.",
    field="Tags",
    source=Source.LIBRARY,
    reference="Guardrails.required_tags (IAM: aws:RequestTag/<key>)",
    subjects=GuardedRequest,
)
def _required_tags(subject: GuardedRequest, finding: Finding) -> None:
    tags = {t["Key"] for t in subject.request.get("Tags", [])}
    missing = [key for key in subject.guardrails.required_tags if key not in tags]
    if missing:
        _fail(finding, "tags", sorted(tags), f"must include the tag keys {', '.join(missing)}")


@dataclass(frozen=True)
class GuardrailValues:
    """A ``Guardrails`` value as a platform, a team or an import is given it: the subject of HPO-GUARD-014..017."""

    guardrails: Guardrails


@rule(
    "HPO-GUARD-014",
    statement="The guardrails' max_instances_per_job and max_parallel_jobs are integers >= 1.",
    field="ResourceConfig.InstanceCount, ResourceLimits.MaxParallelTrainingJobs",
    source=Source.LIBRARY,
    reference="Guardrails",
    subjects=GuardrailValues,
)
def _guardrail_counts(subject: GuardrailValues, finding: Finding) -> None:
    for name in ("max_instances_per_job", "max_parallel_jobs"):
        value = getattr(subject.guardrails, name)
        if value is not None:
            finding.require(not isinstance(value, bool) and isinstance(value, int) and value >= 1,
                            f"guardrails.{name}", value, "must be an integer >= 1")  # fmt: skip


@rule(
    "HPO-GUARD-015",
    statement="The guardrails' max_instance_hours is a number > 0.",
    field="ResourceLimits",
    source=Source.LIBRARY,
    reference="Guardrails.max_instance_hours",
    subjects=GuardrailValues,
)
def _guardrail_hours(subject: GuardrailValues, finding: Finding) -> None:
    hours = subject.guardrails.max_instance_hours
    if hours is not None:
        finding.require(not isinstance(hours, bool) and isinstance(hours, (int, float)) and hours > 0,
                        "guardrails.max_instance_hours", hours, "must be a number > 0")  # fmt: skip


@rule(
    "HPO-GUARD-016",
    statement="The guardrails' instance_types list at least one ml.<type> or ml.<family>.* (None: any type).",
    field="ResourceConfig.InstanceType",
    source=Source.LIBRARY,
    reference="Guardrails.instance_types (IAM: sagemaker:InstanceTypes)",
    subjects=GuardrailValues,
)
def _guardrail_instance_types(subject: GuardrailValues, finding: Finding) -> None:
    types = subject.guardrails.instance_types
    for pattern in types or ():
        finding.require(isinstance(pattern, str) and pattern.startswith("ml."), "guardrails.instance_types", pattern,
                        "must be ml.<type> or ml.<family>.*")  # fmt: skip
    if types is not None:
        finding.require(bool(list(types)), "guardrails.instance_types", [], "must list at least one type (None: any)")


@rule(
    "HPO-GUARD-017",
    statement="The guardrails' required_tags are tag keys of 1 to 128 characters, not starting with aws:.",
    field="Tags",
    source=Source.SERVICE_MODEL,
    reference="shape TagKey (1 to 128 characters; aws: is reserved)",
    subjects=GuardrailValues,
)
def _guardrail_tag_keys(subject: GuardrailValues, finding: Finding) -> None:
    for key in subject.guardrails.required_tags:
        finding.require(isinstance(key, str) and 1 <= len(key) <= 128 and not key.lower().startswith("aws:"),
                        "guardrails.required_tags", key, "must be tag keys of 1 to 128 characters")  # fmt: skip
