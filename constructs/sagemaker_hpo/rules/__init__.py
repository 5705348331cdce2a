"""The rule registry: every synth-time rule of the library, one module per family (cdk-nag's layout).

Each rule has a stable id (``HPO-<FAMILY>-<NNN>``), a one-line statement, the API field it guards, its source
(botocore's service model, the API reference, service limits, an algorithm's documentation, the library's own
contract) and a check. An error raises ``ValidationError`` with the id (``... [HPO-RANGE-003]``); a warning is a CDK
annotation whose id is the rule id, so ``Annotations.of(scope).acknowledge_warning("HPO-JOB-005", "reason")``
silences exactly that rule. ``docs/rules.md`` is generated from this registry::

    python -m sagemaker_hpo.rules.docs        # or: make rules-docs

Adding a rule, from this package or any other module::

    from sagemaker_hpo.rules import Finding, JobSpec, Source, rule

    @rule("HPO-JOB-020", statement="One line.", field="ApiField", source=Source.LIBRARY, subjects=JobSpec)
    def _my_check(job: JobSpec, finding: Finding) -> None:
        finding.require(condition, "prop", value, "what is expected")

then add the module to ``RULE_MODULES`` below (so the registry, the docs and the tests see it) and give the id a
failing and a passing case in ``tests/rules/test_<module>.py``. Checks run in registration order; the first error
raises. Skip values that are tokens (``is_unresolved``).
"""

from __future__ import annotations

from importlib import import_module

from ._registry import Finding, Level, Rule, Source, all_rules, get_rule, register, rule, run_rules
from .subjects import ConstructProps, JobShape, JobSpec, MetricSet

#: The modules that register rules, in check order (typed props first: the other rules rely on them).
RULE_MODULES = (
    "sagemaker_hpo.rules.types",
    "sagemaker_hpo.rules.definitions",
    "sagemaker_hpo.rules.hyperparameters",
    "sagemaker_hpo.rules.ranges",
    "sagemaker_hpo.rules.job",
    "sagemaker_hpo.rules.strategy",
    "sagemaker_hpo.rules.training",
    "sagemaker_hpo.rules.instances",
    "sagemaker_hpo.rules.images",
    "sagemaker_hpo.rules.data",
    "sagemaker_hpo.rules.channels",
    "sagemaker_hpo.rules.metrics",
    "sagemaker_hpo.rules.warm_start",
    "sagemaker_hpo.rules.lifecycle",
    "sagemaker_hpo.rules.organization",
    "sagemaker_hpo.rules.guardrails",
    "sagemaker_hpo.rules.overrides",
    "sagemaker_hpo.rules.algorithms",
    "sagemaker_hpo.rules.provider",
    "sagemaker_hpo.rules.attributes",
    "sagemaker_hpo.rules.platform",
    "sagemaker_hpo.rules.buckets",
    "sagemaker_hpo.rules.grants",
)


def load_rules() -> None:
    """Import every module of ``RULE_MODULES``, in order (each registers its rules once, on first import).

    Runs when this package is imported, so the check order is ``RULE_MODULES``' whichever module is imported first.
    """
    for module in RULE_MODULES:
        import_module(module)


__all__ = [
    "RULE_MODULES",
    "ConstructProps",
    "Finding",
    "JobShape",
    "JobSpec",
    "Level",
    "MetricSet",
    "Rule",
    "Source",
    "all_rules",
    "get_rule",
    "load_rules",
    "register",
    "rule",
    "run_rules",
]

load_rules()
