"""HPO-ATTR: what a defined ``TuningJob`` can be asked for (its connections, its best job's attributes).

These rules run when an app reads an attribute (``job.connections``, ``job.best_hyperparameter("eta")``), not
when the job is defined: the error names the job's path, the attribute and the rule id.
"""

from __future__ import annotations

from dataclasses import dataclass

from ._registry import Finding, Source, rule


@dataclass(frozen=True)
class JobAttribute:
    """An attribute of a ``TuningJob`` an app asks for: the subject of the ``HPO-ATTR`` rules.

    :param name: the attribute, e.g. ``connections`` or ``BestObjectiveValue``.
    :param has_vpc: whether the job's training runs in a VPC (has security groups).
    :param waits: whether the deployment waits for the job (``wait_for_completion``).
    :param tuned: the names of the job's tuned hyperparameters.
    :param hyperparameter: the tuned hyperparameter asked for (``best_hyperparameter``). Default: none.
    :param waited: whether the attribute is only known once the job has finished. Default: False.
    """

    name: str
    has_vpc: bool
    waits: bool
    tuned: frozenset[str]
    hyperparameter: str | None = None
    waited: bool = False


@rule(
    "HPO-ATTR-001",
    statement="A tuning job's connections exist only when its training runs in a VPC (training.vpc).",
    field="VpcConfig.SecurityGroupIds",
    source=Source.LIBRARY,
    reference="TuningJob.connections",
    subjects=JobAttribute,
)
def _connections_need_a_vpc(attribute: JobAttribute, finding: Finding) -> None:
    if attribute.name == "connections":
        finding.require(attribute.has_vpc, "connections", None, "the job has no VPC (set training.vpc)")


@rule(
    "HPO-ATTR-002",
    statement="best_hyperparameter names one of the job's tuned hyperparameters.",
    field="BestTrainingJob.TunedHyperParameters",
    source=Source.API_REFERENCE,
    reference="DescribeHyperParameterTuningJob BestTrainingJob.TunedHyperParameters",
    subjects=JobAttribute,
)
def _tuned_hyperparameter(attribute: JobAttribute, finding: Finding) -> None:
    if attribute.hyperparameter is not None:
        finding.require(
            attribute.hyperparameter in attribute.tuned,
            "best_hyperparameter",
            attribute.hyperparameter,
            "is not one of the tuned hyperparameters",
        )


@rule(
    "HPO-ATTR-003",
    statement="The best training job's attributes are known only when the deployment waits for the job.",
    field="BestTrainingJob",
    source=Source.LIBRARY,
    reference="TuningJob(wait_for_completion=True)",
    subjects=JobAttribute,
)
def _waited_for(attribute: JobAttribute, finding: Finding) -> None:
    if attribute.waited:
        finding.require(
            attribute.waits,
            attribute.name,
            False,
            "is only known when the deployment waits for the job; set wait_for_completion=True",
        )


@dataclass(frozen=True)
class ImportedJobName:
    """The name a tuning job made elsewhere is imported by (``TuningJob.from_tuning_job_name``): HPO-ATTR-004."""

    name: str


@rule(
    "HPO-ATTR-004",
    statement="A tuning job imported by name (TuningJob.from_tuning_job_name) has a name.",
    field="HyperParameterTuningJobName",
    source=Source.SERVICE_MODEL,
    reference="shape HyperParameterTuningJobName (min 1)",
    subjects=ImportedJobName,
)
def _imported_name(imported: ImportedJobName, finding: Finding) -> None:
    finding.require(bool(imported.name), "tuning_job_name", imported.name, "must not be empty")
