"""The rule registry: every synth-time rule, with its stable id, statement, guarded field, source and check."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from aws_cdk import Annotations
from constructs import IConstruct

from .._validation import ValidationError, is_unresolved

S = TypeVar("S")


class Level(str, Enum):
    """What a finding does: an error stops the synth, a warning is a CDK annotation (acknowledgeable by rule id)."""

    ERROR = "error"
    WARNING = "warning"


class Source(str, Enum):
    """Where a rule comes from."""

    #: botocore's SageMaker service model (``sagemaker/2017-07-24/service-2.json``): shapes, enums, ranges, patterns.
    SERVICE_MODEL = "botocore SageMaker model"
    #: The SageMaker API reference (docs.aws.amazon.com/sagemaker/latest/APIReference): rules the model omits.
    API_REFERENCE = "SageMaker API reference"
    #: SageMaker's service quotas and documented limits (developer guide).
    SERVICE_LIMITS = "SageMaker service limits"
    #: The documentation of a built-in algorithm (e.g. the XGBoost algorithm's input formats and metrics).
    ALGORITHM = "built-in algorithm documentation"
    #: Amazon S3's rules (bucket naming).
    S3 = "Amazon S3 bucket naming rules"
    #: The library's own contract (typed props, the custom resource framework's limits, IAM).
    LIBRARY = "sagemaker-hpo-cdk"


@dataclass(frozen=True)
class Rule:
    """One rule: ``check(subject, finding)`` inspects a subject and reports through ``finding``.

    :param id: the stable id, ``HPO-<FAMILY>-<NNN>`` (warnings are annotations with this id).
    :param statement: the rule in one line.
    :param field: the API field it guards (e.g. ``ResourceLimits.MaxRuntimeInSeconds``).
    :param source: where the rule comes from.
    :param reference: the shape, page or quota it is read from.
    :param level: error or warning.
    :param subjects: the types of subject the check inspects.
    :param check: the check.
    """

    id: str
    statement: str
    field: str
    source: Source
    reference: str
    level: Level
    subjects: tuple[type, ...]
    check: Callable[[Any, Finding], None]

    @property
    def family(self) -> str:
        """The family part of the id (``RANGE`` in ``HPO-RANGE-003``)."""
        return self.id.split("-")[1]


class Finding:
    """What a check reports through: ``fail`` raises a ``ValidationError`` carrying the rule id, ``warn`` adds a
    warning annotation with the rule id (``Annotations.of(scope).acknowledge_warning(rule_id, reason)`` silences it).
    """

    def __init__(self, rule: Rule, path: str, scope: IConstruct | None) -> None:
        self.rule = rule
        self.path = path
        self.scope = scope

    def fail(self, field: str, value: Any, expected: str) -> None:
        raise ValidationError(self.path, field, value, expected, rule_id=self.rule.id)

    def wrong_type(self, field: str, value: Any, expected: str) -> None:
        """``value`` is not of the type ``field`` takes: ``expected`` describes it (``a Duration (e.g. ...)``)."""
        raise ValidationError.wrong_type(self.path, field, value, expected, rule_id=self.rule.id)

    def require(self, condition: bool, field: str, value: Any, expected: str) -> None:
        if not condition:
            self.fail(field, value, expected)

    def warn(self, message: str) -> None:
        if self.scope is None:  # pragma: no cover - warning rules are registered for construct subjects only
            raise RuntimeError(f"{self.rule.id}: a warning needs a construct scope")
        Annotations.of(self.scope).add_warning_v2(self.rule.id, f"{message} [{self.rule.id}]")

    # -- helpers --------------------------------------------------------------------------------------------------

    def int_between(self, field: str, value: Any, low: int, high: int | None = None) -> None:
        """``value`` must be an integer in ``low..high``; ``None`` and tokens are skipped."""
        if value is None or is_unresolved(value):
            return
        upper = "" if high is None else f" and <= {high}"
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(field, value, f"must be an integer >= {low}{upper}")
        if value < low or (high is not None and value > high):
            self.fail(field, value, f"must be >= {low}{upper}")

    def length_between(self, field: str, value: str | None, low: int, high: int) -> None:
        if value is None or is_unresolved(value):
            return
        if not low <= len(value) <= high:
            self.fail(field, value, f"must be {low} to {high} characters long (is {len(value)})")

    def count_between(self, field: str, items: Iterable[Any], low: int, high: int) -> None:
        count = len(list(items))
        if not low <= count <= high:
            self.fail(field, f"{count} entries", f"must have {low} to {high} entries")


#: Every rule, by id, in registration order (the order checks run in).
_RULES: dict[str, Rule] = {}
#: The rules of each subject type, in registration order: found once per type, not by testing every rule on every
#: subject (a tuning job runs the rules on several subjects; a stack of hundreds of jobs would test each rule each time).
_RULES_BY_SUBJECT_TYPE: dict[type, tuple[Rule, ...]] = {}


def register(rule: Rule) -> Rule:
    """Add ``rule`` to the registry (its id must be new and well-formed)."""
    parts = rule.id.split("-")
    if (
        len(parts) != 3
        or parts[0] != "HPO"
        or not parts[1].isupper()
        or not (parts[2].isdigit() and len(parts[2]) == 3)
    ):
        raise ValueError(f"rule id {rule.id!r} must look like HPO-FAMILY-001")
    if rule.id in _RULES:
        raise ValueError(f"rule id {rule.id} is registered twice")
    _RULES[rule.id] = rule
    _RULES_BY_SUBJECT_TYPE.clear()
    return rule


def rule(
    rule_id: str,
    *,
    statement: str,
    field: str,
    source: Source,
    reference: str = "",
    level: Level = Level.ERROR,
    subjects: type | tuple[type, ...],
) -> Callable[[Callable[[S, Finding], None]], Callable[[S, Finding], None]]:
    """Register the decorated function as the check of a new rule::

    @rule("HPO-JOB-020", statement="...", field="...", source=Source.LIBRARY, subjects=JobSpec)
    def _my_check(job: JobSpec, finding: Finding) -> None:
        finding.require(..., "field", value, "what is expected")
    """

    def decorate(check: Callable[[S, Finding], None]) -> Callable[[S, Finding], None]:
        register(
            Rule(
                id=rule_id,
                statement=statement,
                field=field,
                source=source,
                reference=reference,
                level=level,
                subjects=subjects if isinstance(subjects, tuple) else (subjects,),
                check=check,
            )
        )
        return check

    return decorate


def all_rules() -> list[Rule]:
    """Every registered rule, in registration (check) order."""
    return list(_RULES.values())


def get_rule(rule_id: str) -> Rule:
    """The rule with id ``rule_id``."""
    return _RULES[rule_id]


def run_rules(subject: Any, *, path: str, scope: IConstruct | None = None) -> None:
    """Run every rule registered for ``subject``'s type, in registration order; the first error raises."""
    for registered in rules_for(type(subject)):
        registered.check(subject, Finding(registered, path, scope))


def rules_for(subject_type: type) -> tuple[Rule, ...]:
    """The rules whose subjects include ``subject_type`` (or a base of it), in registration order."""
    found = _RULES_BY_SUBJECT_TYPE.get(subject_type)
    if found is None:
        found = tuple(r for r in _RULES.values() if issubclass(subject_type, r.subjects))
        _RULES_BY_SUBJECT_TYPE[subject_type] = found
    return found
