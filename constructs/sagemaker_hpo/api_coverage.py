"""How each member path of ``CreateHyperParameterTuningJob`` is expressed here: a typed prop, a field the library
owns, or ``TuningJob.add_request_override``. ``docs/api-coverage.md`` is generated from this table and botocore's
model (``rules/request_model.py``)::

    python -m sagemaker_hpo.api_coverage        # or: make api-coverage

Paths are folded: a member of ``TrainingJobDefinitions[]`` is listed as the same member of
``TrainingJobDefinition`` (the two share the shape ``HyperParameterTrainingJobDefinition``). ``tests/test_overrides.py``
checks that the generated page is current and that every typed path appears in a rendered request.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

from .rules.request_model import MemberPath, member_paths, shipped

_T = "TrainingJobDefinition"
_CONFIG = "HyperParameterTuningJobConfig"
_RANGES = (
    "IntegerParameterRanges.Name",
    "IntegerParameterRanges.MinValue",
    "IntegerParameterRanges.MaxValue",
    "IntegerParameterRanges.ScalingType",
    "ContinuousParameterRanges.Name",
    "ContinuousParameterRanges.MinValue",
    "ContinuousParameterRanges.MaxValue",
    "ContinuousParameterRanges.ScalingType",
    "CategoricalParameterRanges.Name",
    "CategoricalParameterRanges.Values",
)

#: Paths the library owns: an override would break what it guarantees (the name it generates, the owner tags it
#: adds, the role it grants), so ``add_request_override`` refuses them and their members.
OWNED: dict[str, str] = {
    "HyperParameterTuningJobName": "the handler names the job (`tuning_job_name=` fixes it)",
    "Tags": "the handler adds the owner tags (`tags=` adds yours)",
    f"{_T}.RoleArn": "the role the library grants (`TrainingDefinition(role=...)`)",
}

#: Each leaf a typed prop expresses, with the prop.
TYPED: dict[str, str] = {
    "HyperParameterTuningJobName": "`TuningJob(tuning_job_name=...)` (default: generated)",
    "Tags.Key": "`TuningJob(tags={...})`",
    "Tags.Value": "`TuningJob(tags={...})`",
    f"{_T}.RoleArn": "`TrainingDefinition(role=...)` (default: a `TrainingRole` created for the job)",
    f"{_CONFIG}.Strategy": "`TuningJob(strategy=...)`",
    f"{_CONFIG}.StrategyConfig.HyperbandStrategyConfig.MinResource": "`Hyperband(min_resource=...)`",
    f"{_CONFIG}.StrategyConfig.HyperbandStrategyConfig.MaxResource": "`Hyperband(max_resource=...)`",
    f"{_CONFIG}.HyperParameterTuningJobObjective.Type": "`TuningJob(objective=Objective.maximize(...))`",
    f"{_CONFIG}.HyperParameterTuningJobObjective.MetricName": "`TuningJob(objective=...)`",
    f"{_CONFIG}.ResourceLimits.MaxNumberOfTrainingJobs": "`TuningJob(max_jobs=...)`",
    f"{_CONFIG}.ResourceLimits.MaxParallelTrainingJobs": "`TuningJob(max_parallel_jobs=...)`",
    f"{_CONFIG}.ResourceLimits.MaxRuntimeInSeconds": "`TuningJob(max_runtime=...)`",
    **{f"{_CONFIG}.ParameterRanges.{leaf}": "`TuningJob(parameter_ranges=[...])`" for leaf in _RANGES},
    f"{_CONFIG}.ParameterRanges.AutoParameters.Name": "`TuningJob(autotune=True, auto_parameters=...)`",
    f"{_CONFIG}.ParameterRanges.AutoParameters.ValueHint": "`AutoParameter(name, value_hint)`",
    f"{_CONFIG}.TrainingJobEarlyStoppingType": "`Bayesian(early_stopping=True)`, `RandomSearch(early_stopping=True)`",
    f"{_CONFIG}.TuningJobCompletionCriteria.TargetObjectiveMetricValue": "`CompletionCriteria(target_objective_value=)`",
    f"{_CONFIG}.TuningJobCompletionCriteria.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving": (
        "`CompletionCriteria(max_jobs_not_improving=...)`"
    ),
    f"{_CONFIG}.TuningJobCompletionCriteria.ConvergenceDetected.CompleteOnConvergence": (
        "`CompletionCriteria(complete_on_convergence=...)`"
    ),
    f"{_CONFIG}.RandomSeed": "`TuningJob(random_seed=...)`",
    f"{_T}.DefinitionName": "`TuningDefinition(name, ...)`",
    f"{_T}.TuningObjective.Type": "`TuningDefinition(objective=...)`",
    f"{_T}.TuningObjective.MetricName": "`TuningDefinition(objective=...)`",
    **{f"{_T}.HyperParameterRanges.{leaf}": "`TuningDefinition(parameter_ranges=[...])`" for leaf in _RANGES},
    f"{_T}.HyperParameterRanges.AutoParameters.Name": "`TuningDefinition(auto_parameters=[...])`",
    f"{_T}.HyperParameterRanges.AutoParameters.ValueHint": "`AutoParameter(name, value_hint)`",
    f"{_T}.StaticHyperParameters": "`TrainingDefinition(static_hyperparameters=...)`",
    f"{_T}.AlgorithmSpecification.TrainingImage": "`TrainingDefinition(image=TrainingImage...)`",
    f"{_T}.AlgorithmSpecification.TrainingInputMode": "`TrainingDefinition(input_mode=...)`",
    f"{_T}.AlgorithmSpecification.AlgorithmName": "`TrainingDefinition(image=TrainingImage.from_algorithm(...))`",
    f"{_T}.AlgorithmSpecification.MetricDefinitions.Name": "`TrainingDefinition(metric_definitions=[...])`",
    f"{_T}.AlgorithmSpecification.MetricDefinitions.Regex": "`MetricDefinition(name, regex)`",
    f"{_T}.InputDataConfig.ChannelName": "`TrainingDefinition(inputs={name: ...})`",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.S3DataType": "`S3Input(data_type=S3DataType...)`",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.S3Uri": "`S3Input.from_uri(...)`, `S3Input.from_bucket(...)`",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.S3DataDistributionType": "`S3Input(distribution=...)`",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.AttributeNames": "`S3Input(attribute_names=[...])`",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.ModelAccessConfig.AcceptEula": "`S3Input(accept_eula=True)`",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.HubAccessConfig.HubContentArn": "`S3Input(hub_content_arn=...)`",
    f"{_T}.InputDataConfig.DataSource.FileSystemDataSource.FileSystemId": "`FileSystemInput.efs(...)`, `.fsx_lustre`",
    f"{_T}.InputDataConfig.DataSource.FileSystemDataSource.FileSystemAccessMode": "`FileSystemInput(access_mode=)`",
    f"{_T}.InputDataConfig.DataSource.FileSystemDataSource.FileSystemType": "`FileSystemInput.efs/.fsx_lustre`",
    f"{_T}.InputDataConfig.DataSource.FileSystemDataSource.DirectoryPath": "`FileSystemInput(directory_path=...)`",
    f"{_T}.InputDataConfig.ContentType": "`S3Input(content_type=...)`, `FileSystemInput(content_type=...)`",
    f"{_T}.InputDataConfig.CompressionType": "`S3Input(compression=...)`",
    f"{_T}.InputDataConfig.RecordWrapperType": "`S3Input(record_wrapping=RecordWrapping.RECORD_IO)`",
    f"{_T}.InputDataConfig.InputMode": "`S3Input(input_mode=...)`, `FileSystemInput(input_mode=...)`",
    f"{_T}.InputDataConfig.ShuffleConfig.Seed": "`S3Input(shuffle_seed=...)`",
    f"{_T}.VpcConfig.SecurityGroupIds": "`TrainingDefinition(security_groups=[...])`",
    f"{_T}.VpcConfig.Subnets": "`TrainingDefinition(vpc=..., subnets=...)`",
    f"{_T}.OutputDataConfig.KmsKeyId": "`TrainingDefinition(output_kms_key=...)`",
    f"{_T}.OutputDataConfig.S3OutputPath": "`TrainingDefinition(output_path=...)`",
    f"{_T}.OutputDataConfig.CompressionType": "`TrainingDefinition(output_compression=...)`",
    f"{_T}.ResourceConfig.InstanceType": "`TrainingDefinition(instance_type=...)`",
    f"{_T}.ResourceConfig.InstanceCount": "`TrainingDefinition(instance_count=...)`",
    f"{_T}.ResourceConfig.VolumeSizeInGB": "`TrainingDefinition(volume_size=...)`",
    f"{_T}.ResourceConfig.VolumeKmsKeyId": "`TrainingDefinition(volume_kms_key=...)`",
    f"{_T}.ResourceConfig.TrainingPlanArn": "`TrainingDefinition(training_plan_arn=...)`",
    f"{_T}.HyperParameterTuningResourceConfig.InstanceType": "`TrainingDefinition(instance_configs=[one InstanceConfig])`",
    f"{_T}.HyperParameterTuningResourceConfig.InstanceCount": "`InstanceConfig(count=...)` (one config: single form)",
    f"{_T}.HyperParameterTuningResourceConfig.VolumeSizeInGB": "`InstanceConfig(volume_size=...)` (single form)",
    f"{_T}.HyperParameterTuningResourceConfig.VolumeKmsKeyId": "`TrainingDefinition(volume_kms_key=...)`",
    f"{_T}.HyperParameterTuningResourceConfig.AllocationStrategy": "`TrainingDefinition(instance_configs=[...])`",
    f"{_T}.HyperParameterTuningResourceConfig.InstanceConfigs.InstanceType": "`InstanceConfig(instance_type)`",
    f"{_T}.HyperParameterTuningResourceConfig.InstanceConfigs.InstanceCount": "`InstanceConfig(count=...)`",
    f"{_T}.HyperParameterTuningResourceConfig.InstanceConfigs.VolumeSizeInGB": "`InstanceConfig(volume_size=...)`",
    f"{_T}.StoppingCondition.MaxRuntimeInSeconds": "`TrainingDefinition(max_runtime=...)`",
    f"{_T}.StoppingCondition.MaxWaitTimeInSeconds": "`TrainingDefinition(max_wait=...)`",
    f"{_T}.EnableNetworkIsolation": "`TrainingDefinition(enable_network_isolation=...)`",
    f"{_T}.EnableInterContainerTrafficEncryption": "`TrainingDefinition(enable_inter_container_traffic_encryption=)`",
    f"{_T}.EnableManagedSpotTraining": "`TrainingDefinition(use_spot_instances=...)`",
    f"{_T}.CheckpointConfig.S3Uri": "`TrainingDefinition(checkpoint_path=...)`",
    f"{_T}.CheckpointConfig.LocalPath": "`TrainingDefinition(checkpoint_local_path=...)`",
    f"{_T}.RetryStrategy.MaximumRetryAttempts": "`TrainingDefinition(retry_attempts=...)`",
    f"{_T}.Environment": "`TrainingDefinition(environment=...)`",
    "WarmStartConfig.ParentHyperParameterTuningJobs.HyperParameterTuningJobName": "`WarmStart(parents=[...])`",
    "WarmStartConfig.WarmStartType": "`WarmStart(type=...)`",
    "Autotune.Mode": "`TuningJob(autotune=True)`",
}

#: Paths the library leaves to ``add_request_override`` on purpose, and why.
LEFT_TO_OVERRIDE: dict[str, str] = {
    f"{_T}.StoppingCondition.MaxPendingTimeInSeconds": "accelerated (capacity-reserved) instances only",
    f"{_T}.ResourceConfig.KeepAlivePeriodInSeconds": "the API excludes it for tuning jobs (warm pools are default)",
    f"{_T}.ResourceConfig.InstanceGroups.InstanceType": "heterogeneous clusters are documented for training jobs only",
    f"{_T}.ResourceConfig.InstanceGroups.InstanceCount": "heterogeneous clusters: training jobs only",
    f"{_T}.ResourceConfig.InstanceGroups.InstanceGroupName": "heterogeneous clusters: training jobs only",
    f"{_T}.InputDataConfig.DataSource.S3DataSource.InstanceGroupNames": "heterogeneous clusters: training jobs only",
}

#: Paths the service returns but refuses in requests (read-only), so ``add_request_override`` refuses them too.
#: Source: the API reference of ``ResourceConfig`` ("Returned by DescribeTrainingJob after an instance type is
#: selected. This field is read-only and isn't accepted in CreateTrainingJob requests"); the shape is the one a
#: tuning job's training jobs are created from.
READ_ONLY: dict[str, str] = {
    f"{_T}.ResourceConfig.SelectedInstanceType": "read-only: DescribeTrainingJob returns it, requests may not set it",
    f"{_T}.ResourceConfig.SelectedInstanceCount": "read-only: DescribeTrainingJob returns it, requests may not set it",
}

#: Where the ACK/SDK/Terraform columns come from.
ANCHORS_SOURCE = (
    "ACK: aws-controllers-k8s/sagemaker-controller HyperParameterTuningJob CRD (generator.yaml at dc49707); SDK: "
    "SageMaker Python SDK 2.257.7 HyperparameterTuner (tuner.py/session.py); read 2026-12-06; Terraform: "
    "hashicorp/terraform-provider-aws `aws_sagemaker_hyper_parameter_tuning_job` schema "
    "(internal/service/sagemaker/hyper_parameter_tuning_job.go at 5236d41); read 2026-12-07"
)

#: The anchors' columns in ``docs/api-coverage-anchors.tsv``, in the order the page shows them.
ANCHOR_COLUMNS = ("ACK", "SDK", "TF")


@dataclass(frozen=True)
class Coverage:
    """How one member path is expressed."""

    path: MemberPath
    #: ``prop`` or ``override``.
    how: str
    detail: str


def fold(path: str) -> str:
    """A ``TrainingJobDefinitions`` member as the same member of ``TrainingJobDefinition``."""
    return _T + path[len("TrainingJobDefinitions") :] if path.startswith("TrainingJobDefinitions") else path


def coverage_of(path: str) -> tuple[str, str]:
    """``(how, detail)`` for a member path (indexes removed), folded."""
    folded = fold(path)
    if folded in TYPED:
        return "prop", TYPED[folded]
    if any(typed.startswith(folded + ".") for typed in TYPED):
        return "prop", "(its members)"
    if folded in READ_ONLY:
        return "read-only", READ_ONLY[folded]
    if folded in LEFT_TO_OVERRIDE:
        return "override", LEFT_TO_OVERRIDE[folded]
    return "override", ""


def rows() -> list[Coverage]:
    """Every folded member path of the request with how it is expressed."""
    return [Coverage(p, *coverage_of(p.path)) for p in member_paths() if not p.path.startswith(f"{_T}s")]


def _anchors(anchors: Path) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    with anchors.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    for row in csv.DictReader(lines, delimiter="\t"):
        found[row["path"].replace("[]", "")] = tuple(row[column] for column in ANCHOR_COLUMNS)
    return found


#: The checked-in copy of the anchors (the ACK, SDK and Terraform columns; see ``ANCHORS_SOURCE``).
ANCHORS_FILE = Path("docs") / "api-coverage-anchors.tsv"


def render(root: Path) -> str:
    """The text of ``docs/api-coverage.md`` (``root``: the checkout, holding ``docs/api-coverage-anchors.tsv``)."""
    anchors = _anchors(root / ANCHORS_FILE)
    table = rows()
    leaves = [row for row in table if row.path.leaf]
    typed = [row for row in leaves if row.how == "prop"]
    read_only = [row for row in leaves if row.how == "read-only"]
    none = ("-",) * len(ANCHOR_COLUMNS)
    ack, sdk, terraform = (
        [row for row in leaves if anchors.get(row.path.path, none)[index] == "Y"] for index in range(3)
    )
    lines = [
        "# API coverage: `CreateHyperParameterTuningJob`",
        "",
        "<!-- Generated by `python -m sagemaker_hpo.api_coverage` (make api-coverage); do not edit. -->",
        "",
        f"Every member path of the request in botocore's model ({shipped()['source']}), walked recursively, with the "
        "members of `TrainingJobDefinitions[]` folded into `TrainingJobDefinition` (they share one shape). "
        "**prop**: a typed prop expresses it, checked by the rule registry; **override**: `job.add_request_override(path, value)`, checked against botocore's model at synth "
        "(rules HPO-OVR) and listed in the template's `Metadata`; **read-only**: returned by the service, refused in "
        "requests (and by `add_request_override`).",
        "",
        f"Leaves (scalars, maps and lists of scalars): **{len(leaves)}**; typed props: **{len(typed)}**, override: "
        f"{len(leaves) - len(typed) - len(read_only)}, read-only: {len(read_only)}. ACK exposes {len(ack)} of them, "
        f"the SageMaker Python SDK {len(sdk)}, Terraform exposes {len(terraform)} ({ANCHORS_SOURCE}).",
        "",
        "| Member path | Type | Here | How | ACK | SDK | TF |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table:
        marks = " | ".join(anchors.get(row.path.path, ("?",) * len(ANCHOR_COLUMNS)))
        name = f"**{row.path.path}**" if row.path.leaf else row.path.path
        detail = row.detail.replace("|", "\\|")
        lines.append(f"| {name} | {row.path.type} | {row.how} | {detail} | {marks} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write ``docs/api-coverage.md`` of the checkout this module runs from (or of ``argv[0]``)."""
    root = Path(argv[0]) if argv else Path(__file__).resolve().parents[2]
    target = root / "docs" / "api-coverage.md"
    target.write_text(render(root), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
