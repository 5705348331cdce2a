"""Each prop is declared once: ``TuningJob.__init__``'s parameters and the value types' dataclass fields are the
source of ``JobSpec`` and of every type check (HPO-TYPE-002)."""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Mapping, Sequence

import pytest
from aws_cdk import Duration, Size

from sagemaker_hpo import InputMode, TrainingDefinition, TuningJob, ValidationError
from sagemaker_hpo.rules import JobSpec
from sagemaker_hpo.rules._registry import Finding, get_rule
from sagemaker_hpo.rules.types import _specs, check_props, expect_of, props_of


def test_job_spec_mirrors_the_signature() -> None:
    signature = inspect.signature(TuningJob.__init__).parameters
    keyword = {name: p.annotation for name, p in signature.items() if p.kind is p.KEYWORD_ONLY}
    fields = {
        f.name: f.type for f in dataclasses.fields(JobSpec) if f.name not in ("job", "provider_given", "definition")
    }
    assert set(fields) == set(keyword) == JobSpec.prop_names()
    # The same annotation, less the ``| None`` of props that the job defaults before the rules run.
    for name, annotation in keyword.items():
        assert str(annotation).replace(" | None", "") == str(fields[name]).replace(" | None", ""), name


def test_every_prop_of_the_job_and_the_training_definition_has_a_derived_check() -> None:
    specs = _specs()
    assert set(specs["TuningJob"]) == JobSpec.prop_names()
    assert set(specs["TrainingDefinition"]) == {f.name for f in dataclasses.fields(TrainingDefinition)}


def test_a_new_field_is_checked_from_its_annotation_alone() -> None:
    @dataclasses.dataclass(frozen=True)
    class Props:
        runtime: Duration
        size: Size | None = None
        names: Sequence[str] = ()
        modes: Mapping[str, InputMode] = dataclasses.field(default_factory=dict)

    spec = props_of(Props)
    finding = Finding(get_rule("HPO-TYPE-002"), "Stack/Job", None)
    check_props(finding, "x.", Props(Duration.hours(1), None, ["a"], {"a": InputMode.FILE}), spec)
    bad: list[tuple[Props, str]] = [
        (Props(7200), r"x.runtime: expected a Duration"),  # type: ignore[arg-type]
        (Props(Duration.hours(1), 50), r"x.size: expected a Size"),  # type: ignore[arg-type]
        (Props(Duration.hours(1), None, ["a", 5]), r"x.names\[1\]: expected a string, got int 5"),  # type: ignore[list-item]
        (Props(Duration.hours(1), None, (), {"a": "File"}), r"x.modes\['a'\]: expected a InputMode"),  # type: ignore[dict-item]
    ]
    for value, message in bad:
        with pytest.raises(ValidationError, match=message):
            check_props(finding, "x.", value, spec)


def test_an_annotation_without_a_check_is_refused_loudly() -> None:
    with pytest.raises(TypeError, match="no type check for the annotation"):
        expect_of(typing.Callable[[], None])
