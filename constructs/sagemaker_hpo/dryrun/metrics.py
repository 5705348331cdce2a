"""The job's metric definitions applied to log lines, as SageMaker applies them to the training job's log.

SageMaker runs every ``MetricDefinitions`` regex over every line the container writes (stdout and stderr) and takes
the first capture group of a match as one value of that metric's series. Hyperband's intermediate values are the
objective metric's series, one value per matching line.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .job import MetricDefinition


@dataclass(frozen=True)
class MetricFinding:
    """What one metric definition did on a program's real output.

    :param metric: the metric's name.
    :param severity: ``error`` (the job would fail or mislead on SageMaker), ``warning`` or ``info`` (it checked out).
    :param message: what was seen.
    :param lines: example log lines. Default: none.
    """

    metric: str
    severity: str
    message: str
    lines: tuple[str, ...] = ()


class MetricReader:
    """Reads metric values from log lines with the job's definitions."""

    def __init__(self, definitions: Sequence[MetricDefinition]) -> None:
        """:param definitions: the job's metric definitions."""
        self.definitions = tuple(definitions)
        self._compiled = [(d.name, re.compile(d.regex)) for d in self.definitions]

    def read(self, line: str) -> dict[str, float]:
        """The value of each metric whose regex matches ``line`` (the first match's first group, as a float)."""
        values: dict[str, float] = {}
        for name, pattern in self._compiled:
            match = pattern.search(line)
            if match is None:
                continue
            values[name] = parse_number(match.group(1) if pattern.groups else match.group(0))
        return values


def parse_number(text: str | None) -> float:
    """A captured value as a float (``nan`` when it does not parse, as a value SageMaker could not use)."""
    try:
        return float(text or "")
    except ValueError:
        return math.nan


def regex_literal(regex: str) -> str:
    """The literal text of a regex (groups, classes and quantifiers dropped), to find the line it was written for."""
    text = re.sub(r"\(\?[:=!<P][^)]*?\)|\[[^\]]*\]|\\[dDwWsSbB]|[(){}|^$*+?]|\{\d*,?\d*\}", " ", regex)
    return re.sub(r"\\(.)", r"\1", text)


def nearest_line(regex: str, lines: Sequence[str]) -> str | None:
    """The output line closest to what ``regex`` looks for (the longest run of its literal text), if any is close."""
    words = [w for w in re.split(r"\s+", regex_literal(regex).lower()) if len(w) >= 2]
    best: tuple[int, int] = (0, 0)
    found: str | None = None
    for index, line in enumerate(lines):
        lowered = line.lower()
        score = max(
            (difflib.SequenceMatcher(None, word, lowered, autojunk=False).find_longest_match().size for word in words),
            default=0,
        )
        if (score, -index) > best:
            best, found = (score, -index), line
    return found if best[0] >= 3 else None


def check_once_per_epoch(
    definitions: Sequence[MetricDefinition], lines: Iterable[str], epochs: int
) -> list[MetricFinding]:
    """Check that each regex matches exactly one line per epoch of a run that trained ``epochs`` epochs.

    A regex that matches once per epoch is reported as ``info`` with an example line, so the output says what was
    checked. A regex that never matches is an error (the metric has no value; for the objective, SageMaker fails
    the training job), shown with the nearest real line that did not match. One that matches more lines than epochs
    is an error too: the extra values enter the metric's series, and Hyperband compares them as if they were
    epochs. The extra lines shown are those matched by fewer of the job's regexes than the per-epoch lines are.
    """
    reader = MetricReader(definitions)
    log = list(lines)
    matched = [(line, reader.read(line)) for line in log]
    widest = max((len(values) for _, values in matched), default=0)
    findings: list[MetricFinding] = []
    for definition in definitions:
        hits = [(line, values) for line, values in matched if definition.name in values]
        if not hits:
            epoch_line = next((line for line, values in matched if widest and len(values) == widest), None)
            near = nearest_line(definition.regex, log) or epoch_line
            findings.append(
                MetricFinding(
                    definition.name,
                    "error",
                    f"regex {definition.regex!r} never matches the program's output ({len(log)} lines, {epochs} "
                    "epochs): on SageMaker the metric has no value"
                    + (f"; the nearest line, which it does not match: {near!r}" if near else ""),
                    (near,) if near else (),
                )
            )
        elif len(hits) > epochs:
            others = [line for line, values in hits if len(values) < widest] or [line for line, _ in hits[epochs:]]
            findings.append(
                MetricFinding(
                    definition.name,
                    "error",
                    f"regex {definition.regex!r} matches {len(hits)} lines in {epochs} epochs: the extra values "
                    "enter the metric's series on SageMaker (and Hyperband's rungs for the objective)",
                    tuple(others[:3]),
                )
            )
        elif len(hits) < epochs:
            findings.append(
                MetricFinding(
                    definition.name,
                    "warning",
                    f"regex {definition.regex!r} matches {len(hits)} lines in {epochs} epochs (expected one per "
                    f"epoch), e.g. {hits[0][0]!r}",
                    (hits[0][0],),
                )
            )
        else:
            bad = [line for line, values in hits if math.isnan(values[definition.name])]
            if bad and len(bad) == len(hits):
                findings.append(
                    MetricFinding(definition.name, "warning", "every value read is not a number", tuple(bad[:3]))
                )
            else:
                line, values = hits[-1]
                findings.append(
                    MetricFinding(
                        definition.name,
                        "info",
                        f"matched {len(hits)} of {epochs} epochs, e.g. {line!r} -> {values[definition.name]:g}",
                    )
                )
    return findings
