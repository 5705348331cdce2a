"""HPO-JOB: the tuning job's name, resource limits, completion criteria, seed, tags, waiting and provider."""

from __future__ import annotations

import math
import re
import unicodedata

from .._contract import contract
from .._validation import is_unresolved
from ..handlers.job_waiter import contract as waiter_contract
from ..parameter_schema import NAME_PREFIX
from ..waiting import MAX_WAITED_RUNTIME_SECONDS
from . import service_model as model
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec

#: The job-name pattern the handler uses too (the model's, anchored; tests check they agree).
JOB_NAME = re.compile(contract.JOB_NAME_PATTERN)
#: SageMaker's default quota of parallel training jobs per tuning job.
DEFAULT_PARALLEL_QUOTA = 10


@rule(
    "HPO-JOB-001",
    statement="A fixed tuning job name is 1 to 32 letters, digits and hyphens, starting and ending with a letter or "
    "digit.",
    field="HyperParameterTuningJobName",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTuningJobName (pattern, max 32)",
    subjects=JobSpec,
)
def _job_name(job: JobSpec, finding: Finding) -> None:
    name = job.tuning_job_name
    if name is not None and not is_unresolved(name):
        finding.require(
            bool(JOB_NAME.match(name)) and len(name) <= contract.MAX_JOB_NAME_LENGTH,
            "tuning_job_name",
            name,
            "must be 1 to 32 letters, digits and hyphens, starting and ending with a letter or digit",
        )


@rule(
    "HPO-JOB-002",
    statement="max_jobs is required, except with GridSearch.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.API_REFERENCE,
    reference="ResourceLimits: MaxNumberOfTrainingJobs is optional only for the Grid strategy",
    subjects=JobSpec,
)
def _max_jobs_required(job: JobSpec, finding: Finding) -> None:
    if not job.strategy.is_grid:
        finding.require(
            job.max_jobs is not None, "max_jobs", job.max_jobs, f"is required with the {job.strategy.name} strategy"
        )


@rule(
    "HPO-JOB-003",
    statement="max_jobs is an integer from 1 to 2,147,483,647.",
    field="ResourceLimits.MaxNumberOfTrainingJobs",
    source=Source.SERVICE_MODEL,
    reference="shape MaxNumberOfTrainingJobs (min 1; a 32-bit integer)",
    subjects=JobSpec,
)
def _max_jobs_range(job: JobSpec, finding: Finding) -> None:
    name = "MaxNumberOfTrainingJobs"
    finding.int_between("max_jobs", job.max_jobs, model.minimum(name), model.maximum(name))


@rule(
    "HPO-JOB-004",
    statement="max_parallel_jobs is at least 1 and at most max_jobs (or the grid's number of combinations).",
    field="ResourceLimits.MaxParallelTrainingJobs",
    source=Source.SERVICE_MODEL,
    reference="shape MaxParallelTrainingJobs (min 1); API reference: at most MaxNumberOfTrainingJobs",
    subjects=JobSpec,
)
def _max_parallel(job: JobSpec, finding: Finding) -> None:
    name = "MaxParallelTrainingJobs"
    finding.int_between("max_parallel_jobs", job.max_parallel_jobs, model.minimum(name), model.maximum(name))
    from .strategy import combinations

    upper = job.max_jobs if job.max_jobs is not None else combinations(job.parameter_ranges)
    if upper is not None and not is_unresolved(upper) and not is_unresolved(job.max_parallel_jobs):
        finding.require(
            job.max_parallel_jobs <= upper,
            "max_parallel_jobs",
            job.max_parallel_jobs,
            f"must be at most max_jobs ({upper})",
        )


@rule(
    "HPO-JOB-005",
    statement="More than 10 parallel training jobs needs a quota increase first.",
    field="ResourceLimits.MaxParallelTrainingJobs",
    source=Source.SERVICE_LIMITS,
    reference="default quota: 10 concurrent training jobs per tuning job",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _parallel_quota(job: JobSpec, finding: Finding) -> None:
    if not is_unresolved(job.max_parallel_jobs) and job.max_parallel_jobs > DEFAULT_PARALLEL_QUOTA:
        finding.warn(
            f"max_parallel_jobs {job.max_parallel_jobs} exceeds the default quota of {DEFAULT_PARALLEL_QUOTA} "
            "parallel training jobs per tuning job: request a quota increase first"
        )


@rule(
    "HPO-JOB-006",
    statement="The tuning job's max_runtime is 120 to 15,768,000 seconds (2 minutes to 182.5 days).",
    field="ResourceLimits.MaxRuntimeInSeconds",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTuningMaxRuntimeInSeconds (min 120, max 15768000)",
    subjects=JobSpec,
)
def _tuning_runtime(job: JobSpec, finding: Finding) -> None:
    seconds = job.runtime_seconds
    if seconds is not None and not is_unresolved(seconds):
        name = "HyperParameterTuningMaxRuntimeInSeconds"
        finding.int_between("max_runtime (seconds)", int(seconds), model.minimum(name), model.maximum(name))


@rule(
    "HPO-JOB-007",
    statement="wait_for_completion needs a max_runtime of at most 42,300 seconds (11 h 45 min): a deployment waits at "
    "most 12 hours (a WaitCondition's longest timeout), less the minutes a job spends starting and stopping.",
    field="ResourceLimits.MaxRuntimeInSeconds",
    source=Source.LIBRARY,
    reference="AWS::CloudFormation::WaitCondition Timeout (at most 43,200 s); up to 45 minutes the custom resource "
    "Provider framework waits (totalTimeout at most 1 hour)",
    subjects=JobSpec,
)
def _wait_ceiling(job: JobSpec, finding: Finding) -> None:
    if not job.wait_for_completion:
        return
    ceiling = MAX_WAITED_RUNTIME_SECONDS
    seconds = job.runtime_seconds
    finding.require(
        seconds is not None and (is_unresolved(seconds) or seconds <= ceiling),
        "max_runtime",
        None if seconds is None else f"{seconds:.0f} seconds",
        f"wait_for_completion needs max_runtime of at most {ceiling} seconds ({ceiling // 3600} h "
        f"{ceiling % 3600 // 60} min): a deployment waits at most "
        f"{waiter_contract.MAX_WAIT_CONDITION_TIMEOUT_SECONDS // 3600} hours for a job (a CloudFormation "
        f"WaitCondition's longest timeout), and a job spends minutes starting and stopping",
    )


@rule(
    "HPO-JOB-008",
    statement="random_seed is an integer from 0 to 2,147,483,647.",
    field="HyperParameterTuningJobConfig.RandomSeed",
    source=Source.SERVICE_MODEL,
    reference="shape RandomSeed (min 0; a 32-bit integer)",
    subjects=JobSpec,
)
def _random_seed(job: JobSpec, finding: Finding) -> None:
    finding.int_between("random_seed", job.random_seed, model.minimum("RandomSeed"), model.maximum("RandomSeed"))


@rule(
    "HPO-JOB-009",
    statement="completion_criteria.max_jobs_not_improving is at least 3.",
    field="TuningJobCompletionCriteria.BestObjectiveNotImproving.MaxNumberOfTrainingJobsNotImproving",
    source=Source.SERVICE_MODEL,
    reference="shape MaxNumberOfTrainingJobsNotImproving (min 3)",
    subjects=JobSpec,
)
def _not_improving(job: JobSpec, finding: Finding) -> None:
    if job.completion_criteria is not None:
        name = "MaxNumberOfTrainingJobsNotImproving"
        finding.int_between(
            "completion_criteria.max_jobs_not_improving",
            job.completion_criteria.max_jobs_not_improving,
            model.minimum(name),
            model.maximum(name),
        )


@rule(
    "HPO-JOB-010",
    statement="completion_criteria.target_objective_value is a finite number.",
    field="TuningJobCompletionCriteria.TargetObjectiveMetricValue",
    source=Source.SERVICE_MODEL,
    reference="shape TargetObjectiveMetricValue (float)",
    subjects=JobSpec,
)
def _target_value(job: JobSpec, finding: Finding) -> None:
    value = None if job.completion_criteria is None else job.completion_criteria.target_objective_value
    if value is not None and not is_unresolved(value):
        finding.require(
            math.isfinite(value), "completion_criteria.target_objective_value", value, "must be a finite number"
        )


@rule(
    "HPO-JOB-011",
    statement=f"At most {contract.MAX_USER_TAGS} tags: SageMaker's 50 less the owner tags the handler sets.",
    field="Tags",
    source=Source.SERVICE_MODEL,
    reference="shape TagList (max 50); the handler adds contract.HANDLER_TAG_KEYS",
    subjects=JobSpec,
)
def _tag_count(job: JobSpec, finding: Finding) -> None:
    # The shipped model and the contract must agree (a programming error, not user input):
    assert model.maximum("TagList") == contract.MAX_JOB_TAGS, "SageMaker's tag limit changed: update the contract"
    finding.count_between("tags", job.tags, model.minimum("TagList"), contract.MAX_USER_TAGS)


def _tag_text_ok(value: str, shape: str) -> bool:
    """The model's tag pattern, ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*``: Unicode letters, separators and numbers, and
    the listed punctuation."""
    allowed = "_.:/=+-@"
    # The shipped model and this check must agree (a programming error, not user input):
    assert model.shape(shape)["pattern"] == r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)", "the tag pattern changed: update here"
    return all(unicodedata.category(c)[0] in "LZN" or c in allowed for c in value)


_TAG_CHARACTERS = "Unicode letters, digits, spaces and _ . : / = + - @"


@rule(
    "HPO-JOB-012",
    statement="A tag key is 1 to 128 letters, digits, spaces and _.:/=+-@, and does not start with aws: or "
    f"{contract.OWNER_TAG_PREFIX} (the handler's owner tags).",
    field="Tags[].Key",
    source=Source.SERVICE_MODEL,
    reference="shape TagKey (min 1, max 128, pattern); the aws: prefix is reserved",
    subjects=JobSpec,
)
def _tag_keys(job: JobSpec, finding: Finding) -> None:
    for key in job.tags:
        if is_unresolved(key):
            continue
        finding.length_between("tags key", key, model.minimum("TagKey"), model.maximum("TagKey"))
        finding.require(_tag_text_ok(key, "TagKey"), "tags key", key, f"may contain only {_TAG_CHARACTERS}")
        finding.require(not key.lower().startswith("aws:"), "tags key", key, "the aws: prefix is reserved")
        finding.require(
            not key.lower().startswith(contract.OWNER_TAG_PREFIX),
            "tags key",
            key,
            f"the {contract.OWNER_TAG_PREFIX} prefix is reserved for the owner tags the handler sets",
        )


@rule(
    "HPO-JOB-013",
    statement="A tag value is at most 256 letters, digits, spaces and _.:/=+-@.",
    field="Tags[].Value",
    source=Source.SERVICE_MODEL,
    reference="shape TagValue (max 256, pattern)",
    subjects=JobSpec,
)
def _tag_values(job: JobSpec, finding: Finding) -> None:
    for key, value in job.tags.items():
        if is_unresolved(value):
            continue
        finding.length_between(f"tags[{key!r}]", value, model.minimum("TagValue"), model.maximum("TagValue"))
        finding.require(_tag_text_ok(value, "TagValue"), f"tags[{key!r}]", value, f"may contain only {_TAG_CHARACTERS}")


@rule(
    "HPO-JOB-014",
    statement="An imported provider can pass only the roles it was deployed for: no role created in this app.",
    field="TrainingJobDefinition.RoleArn",
    source=Source.LIBRARY,
    reference="the provider's iam:PassRole permission",
    subjects=JobSpec,
)
def _imported_provider_role(job: JobSpec, finding: Finding) -> None:
    from ..provider import ImportedTuningJobProvider
    from ..role import TrainingRole

    role = job.training.role
    if isinstance(job.provider, ImportedTuningJobProvider) and (role is None or isinstance(role, TrainingRole)):
        path = f"{job.job.node.path}/TrainingRole" if role is None else role.node.path
        finding.fail(
            "training.role",
            path,
            "a role created in this app cannot be used with an imported provider: it can only pass the roles it "
            "was deployed for (the deploy would fail with iam:PassRole AccessDenied). Pass the platform's "
            "training_role, or use this stack's own TuningJobProvider",
        )


@rule(
    "HPO-JOB-015",
    statement="A fixed tuning_job_name with an imported platform's provider must start with that provider's name "
    "prefix (known at deploy time only).",
    field="HyperParameterTuningJobName",
    source=Source.LIBRARY,
    reference="the imported provider's name-scoped sagemaker:* permissions",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _imported_provider_name(job: JobSpec, finding: Finding) -> None:
    from ..provider import ImportedTuningJobProvider

    name = job.tuning_job_name
    if name is None or not isinstance(job.provider, ImportedTuningJobProvider) or job.provider.team is not None:
        return  # a team's prefix is known at synth time: HPO-JOB-018 makes a name outside it an error
    prefix = job.provider.name_prefix
    if not is_unresolved(prefix) and not is_unresolved(name) and name.lower().startswith(f"{prefix.lower()}-"):
        return
    parameter = job.provider.name_prefix_parameter or f"the platform's {NAME_PREFIX.key} parameter"
    finding.warn(
        f"tuning_job_name {name!r} with an imported provider: its handler may only manage jobs named with its own "
        f"prefix (published in {parameter}). Start the name with that prefix and a hyphen, or leave tuning_job_name "
        "out to get a generated name"
    )


@rule(
    "HPO-JOB-016",
    statement="A TuningJob in a stack that imports a platform names its provider (provider=platform.provider).",
    field="ServiceToken",
    source=Source.LIBRARY,
    reference="HpoPlatform.from_parameters; without provider= a second provider would be built in the stack",
    subjects=JobSpec,
)
def _platform_provider_given(job: JobSpec, finding: Finding) -> None:
    from .._imported import platform_imports
    from .._tree import stack_of

    if job.provider_given:
        return
    imported = platform_imports(stack_of(job.job))
    if imported:
        finding.fail(
            "provider",
            None,
            f"this stack imports the platform {imported[0]}: pass provider=<platform>.provider. Without it a second "
            "tuning-job provider (16 resources) would be built in this stack, and it could not use the platform's "
            "training role",
        )


@rule(
    "HPO-JOB-017",
    statement="A team's training role is used only with that team's provider.",
    field="TrainingJobDefinition.RoleArn",
    source=Source.LIBRARY,
    reference="a team provider's iam:PassRole permission and owner-tag conditions",
    subjects=JobSpec,
)
def _team_role_with_team_provider(job: JobSpec, finding: Finding) -> None:
    from ..grants import team_of

    role = job.training.role
    role_team = None if role is None else team_of(role)
    if role_team is not None and role_team != getattr(job.provider, "team", None):
        finding.fail(
            "provider",
            "another provider" if job.provider_given else "this stack's provider",
            f"the training role belongs to the team {role_team!r}: only that team's provider may pass it (it "
            f"enforces the team's owner tag and guardrails); pass provider=<the team {role_team!r}>.provider",
        )


@rule(
    "HPO-JOB-018",
    statement="A fixed tuning_job_name with a team's provider (in the platform's app or imported) starts with the "
    "team's job-name prefix; the error names the SSM parameter that holds it.",
    field="HyperParameterTuningJobName",
    source=Source.LIBRARY,
    reference="a team provider's name-scoped sagemaker:* permissions",
    subjects=JobSpec,
)
def _team_fixed_name(job: JobSpec, finding: Finding) -> None:
    team = getattr(job.provider, "team", None)
    name = job.tuning_job_name
    if team is None or name is None:
        return
    prefix = getattr(job.provider, "known_name_prefix", None) or job.provider.name_prefix
    if is_unresolved(prefix) or is_unresolved(name) or name.lower().startswith(f"{prefix.lower()}-"):
        return
    parameter = job.provider.name_prefix_parameter
    held = f" (the SSM parameter {parameter} holds the prefix)" if parameter else ""
    finding.fail(
        "tuning_job_name",
        name,
        f"the team {team!r}'s provider may only manage jobs named {prefix}-...{held}: start the name with that prefix "
        "and a hyphen, or leave tuning_job_name out to get a generated name",
    )
