"""HPO-METRIC: the objective and the metric definitions that read it from the training log."""

from __future__ import annotations

import difflib
import re
from typing import Any

from .._validation import is_unresolved
from . import service_model as model
from ._registry import Finding, Level, Source, rule
from .subjects import JobSpec, MetricSet

try:  # the regular expression parser (``re._parser`` from Python 3.11, ``sre_parse`` before)
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre_parse

_REPEATS = {_sre_parse.MAX_REPEAT, _sre_parse.MIN_REPEAT, getattr(_sre_parse, "POSSESSIVE_REPEAT", None)} - {None}
_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$|^\s*[-+]?(?:nan|inf|infinity)\s*$", re.I)


def nested_quantifier(regex: str) -> str | None:
    """The first repeated group that itself holds an unbounded repeat (``(a+)+``, ``(\\d*)*``, ``(x+y?)*``): such a
    pattern backtracks exponentially on a line that almost matches. ``None`` when there is none (or the regex does
    not parse)."""
    try:
        parsed = _sre_parse.parse(regex)
    except re.error:
        return None

    def repeats_inside(items: Any) -> bool:
        for op, arg in items:
            if op in _REPEATS and _unbounded(arg):
                return True
            if any(repeats_inside(sub) for sub in _children(op, arg)):
                return True
        return False

    def walk(items: Any) -> str | None:
        for op, arg in items:
            if op in _REPEATS and _unbounded(arg) and repeats_inside(arg[2]):
                return "a repeated group containing another repeat (nested quantifiers)"
            for sub in _children(op, arg):
                found = walk(sub)
                if found:
                    return found
        return None

    return walk(parsed)


def _unbounded(arg: Any) -> bool:
    """A repeat that may match more than once (``*``, ``+``, ``{2,}``, ``{1,5}``)."""
    high = arg[1]
    return bool(high == _sre_parse.MAXREPEAT or high > 1)


def _children(op: Any, arg: Any) -> list[Any]:
    """The sub-patterns of one parsed node."""
    if op in _REPEATS:
        return [arg[2]]
    if op is _sre_parse.SUBPATTERN:
        return [arg[-1]]
    if op is _sre_parse.BRANCH:
        return list(arg[1])
    if op in (_sre_parse.ASSERT, _sre_parse.ASSERT_NOT):
        return [arg[1]]
    if op is getattr(_sre_parse, "ATOMIC_GROUP", None):
        return [arg]
    if op is _sre_parse.GROUPREF_EXISTS:
        return [part for part in arg[1:] if part is not None]
    return []


@rule(
    "HPO-METRIC-001",
    statement="The objective's metric name is 1 to 255 characters.",
    field="HyperParameterTuningJobObjective.MetricName",
    source=Source.SERVICE_MODEL,
    reference="shape MetricName (min 1, max 255)",
    subjects=JobSpec,
)
def _objective_name(job: JobSpec, finding: Finding) -> None:
    finding.length_between(
        "objective.metric_name", job.objective.metric_name, model.minimum("MetricName"), model.maximum("MetricName")
    )


def _did_you_mean(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


@rule(
    "HPO-METRIC-013",
    statement="A JumpStart-based built-in algorithm's objective is a metric its tuning page documents (with a "
    "did-you-mean).",
    field="HyperParameterTuningJobObjective.MetricName",
    source=Source.ALGORITHM,
    reference="the algorithm's tuning page (e.g. lightgbm-tuning.html: rmse, l1, auc, ...)",
    subjects=JobSpec,
)
def _jumpstart_metric(job: JobSpec, finding: Finding) -> None:
    from .images import jumpstart_algorithms

    name = job.image.jumpstart_name
    metric = job.objective.metric_name
    if name not in jumpstart_algorithms() or is_unresolved(metric):  # an unknown name: HPO-IMAGE-003 on binding
        return
    documented = jumpstart_algorithms()[name]["metrics"]
    finding.require(
        metric in documented,
        "objective.metric_name",
        metric,
        f"is not a metric {name} documents for tuning (documented: {', '.join(sorted(documented))})"
        + _did_you_mean(metric, documented),
    )


@rule(
    "HPO-METRIC-002",
    statement="A custom image's objective metric is one of the job's metric definitions.",
    field="AlgorithmSpecification.MetricDefinitions",
    source=Source.API_REFERENCE,
    reference="HyperParameterAlgorithmSpecification.MetricDefinitions",
    subjects=JobSpec,
)
def _objective_defined(job: JobSpec, finding: Finding) -> None:
    metric = job.objective.metric_name
    if job.builtin_metrics is not None or is_unresolved(metric):
        return
    names = {m.name for m in job.metric_definitions}
    finding.require(
        metric in names,
        "objective.metric_name",
        metric,
        "a custom image needs a metric definition for the objective; defined: "
        + (", ".join(sorted(names)) or "none (pass training.metric_definitions)"),
    )


@rule(
    "HPO-METRIC-003",
    statement="A built-in algorithm's objective is a metric it emits.",
    field="HyperParameterTuningJobObjective.MetricName",
    source=Source.ALGORITHM,
    reference="the algorithm's tunable metrics (e.g. XGBoost: train:/validation: auc, rmse, logloss, ...)",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _builtin_metric(job: JobSpec, finding: Finding) -> None:
    metric = job.objective.metric_name
    if job.builtin_metrics is not None and not is_unresolved(metric) and metric not in job.builtin_metrics:
        finding.warn(
            f"objective.metric_name {metric!r} is not a metric this built-in algorithm is known to emit"
            + _did_you_mean(metric, job.builtin_metrics)
        )


@rule(
    "HPO-METRIC-004",
    statement="With Hyperband, the objective's regex reads a per-epoch line, not a final summary.",
    field="AlgorithmSpecification.MetricDefinitions[].Regex",
    source=Source.API_REFERENCE,
    reference="Hyperband stops jobs from intermediate (per-epoch) objective values",
    level=Level.WARNING,
    subjects=JobSpec,
)
def _per_epoch(job: JobSpec, finding: Finding) -> None:
    from ..strategy import Hyperband

    if not isinstance(job.strategy, Hyperband) or job.builtin_metrics is not None:
        return
    for definition in job.metric_definitions:
        if definition.name != job.objective.metric_name or is_unresolved(definition.regex):
            continue
        literal = re.sub(r"\(.*\)", "", definition.regex)  # the text around the capture group
        word = re.search(r"(?i)\b(final|best|summary|total|overall)\b", literal.replace("_", " "))
        if word:
            finding.warn(
                f"Hyperband reads {definition.name!r} after every epoch, but its regex {definition.regex!r} looks for "
                f"a {word.group(1).lower()!r} line: match the line the program prints each epoch"
            )


@rule(
    "HPO-METRIC-005",
    statement="At most 40 metric definitions.",
    field="AlgorithmSpecification.MetricDefinitions",
    source=Source.SERVICE_MODEL,
    reference="shape MetricDefinitionList (max 40)",
    subjects=MetricSet,
)
def _definition_count(metrics: MetricSet, finding: Finding) -> None:
    finding.count_between(metrics.field, metrics.definitions, 0, model.maximum("MetricDefinitionList"))


@rule(
    "HPO-METRIC-006",
    statement="A metric definition's name is 1 to 255 characters.",
    field="MetricDefinitions[].Name",
    source=Source.SERVICE_MODEL,
    reference="shape MetricName",
    subjects=MetricSet,
)
def _definition_names(metrics: MetricSet, finding: Finding) -> None:
    for index, definition in enumerate(metrics.definitions):
        finding.length_between(
            f"{metrics.field}[{index}].name", definition.name, model.minimum("MetricName"), model.maximum("MetricName")
        )


@rule(
    "HPO-METRIC-007",
    statement="A metric regex is 1 to 500 characters.",
    field="MetricDefinitions[].Regex",
    source=Source.SERVICE_MODEL,
    reference="shape MetricRegex",
    subjects=MetricSet,
)
def _regex_length(metrics: MetricSet, finding: Finding) -> None:
    for index, definition in enumerate(metrics.definitions):
        finding.length_between(
            f"{metrics.field}[{index}].regex",
            definition.regex,
            model.minimum("MetricRegex"),
            model.maximum("MetricRegex"),
        )


def _regexes(metrics: MetricSet) -> list[tuple[str, Any]]:
    return [
        (f"{metrics.field}[{index}].regex", definition)
        for index, definition in enumerate(metrics.definitions)
        if not is_unresolved(definition.regex)
    ]


@rule(
    "HPO-METRIC-008",
    statement="A metric regex compiles.",
    field="MetricDefinitions[].Regex",
    source=Source.API_REFERENCE,
    reference="MetricDefinition.Regex",
    subjects=MetricSet,
)
def _regex_compiles(metrics: MetricSet, finding: Finding) -> None:
    for field, definition in _regexes(metrics):
        try:
            re.compile(definition.regex)
        except re.error as err:
            finding.fail(field, definition.regex, f"must be a valid regular expression ({err})")


@rule(
    "HPO-METRIC-009",
    statement="A metric regex has exactly one capture group.",
    field="MetricDefinitions[].Regex",
    source=Source.API_REFERENCE,
    reference="MetricDefinition.Regex: the first group is the value",
    subjects=MetricSet,
)
def _regex_one_group(metrics: MetricSet, finding: Finding) -> None:
    for field, definition in _regexes(metrics):
        groups = re.compile(definition.regex).groups
        finding.require(groups == 1, field, definition.regex, f"must have exactly one capture group (has {groups})")


@rule(
    "HPO-METRIC-010",
    statement="A metric regex has no nested quantifiers (catastrophic backtracking on every log line).",
    field="MetricDefinitions[].Regex",
    source=Source.LIBRARY,
    reference="SageMaker applies each regex to every line of the training log",
    subjects=MetricSet,
)
def _regex_backtracking(metrics: MetricSet, finding: Finding) -> None:
    for field, definition in _regexes(metrics):
        problem = nested_quantifier(definition.regex)
        if problem:
            finding.fail(
                field,
                definition.regex,
                f"has {problem}, which backtracks exponentially on lines that almost match: use a single quantifier "
                "such as ([0-9.]+)",
            )


@rule(
    "HPO-METRIC-011",
    statement="When the image provides sample log lines, each metric regex reads a number from one of them.",
    field="MetricDefinitions[].Regex",
    source=Source.LIBRARY,
    reference="the image's sample log lines (GpuTrainingImage: metrics-sample.log beside metrics.json)",
    subjects=MetricSet,
)
def _regex_reads_samples(metrics: MetricSet, finding: Finding) -> None:
    if not metrics.sample_log_lines:
        return
    for field, definition in _regexes(metrics):
        pattern = re.compile(definition.regex)
        values = [m.group(1) for line in metrics.sample_log_lines if (m := pattern.search(line))]
        finding.require(
            any(v is not None and _NUMBER.match(v) for v in values),
            field,
            definition.regex,
            f"reads no number for {definition.name!r} from the image's sample log lines (e.g. "
            f"{metrics.sample_log_lines[0]!r}); read {values or 'nothing'}",
        )


@rule(
    "HPO-METRIC-012",
    statement="The metric definitions of the training definition (and those of the image) have distinct names: a "
    "second definition of a name would silently replace the first.",
    field="AlgorithmSpecification.MetricDefinitions[].Name",
    source=Source.LIBRARY,
    reference="the training definition's definitions override the image's by name; within one list a repeat is a "
    "mistake",
    subjects=JobSpec,
)
def _distinct_definition_names(job: JobSpec, finding: Finding) -> None:
    for field, definitions in (
        ("training.metric_definitions", job.training.metric_definitions),
        ("training.image metric_definitions", job.image.metric_definitions),
    ):
        seen: set[str] = set()
        for index, definition in enumerate(definitions):
            name = definition.name
            if is_unresolved(name):
                continue
            finding.require(
                name not in seen,
                f"{field}[{index}].name",
                name,
                "is defined twice: keep one definition per metric name (the training definition's own definitions "
                "override the image's by name)",
            )
            seen.add(name)
