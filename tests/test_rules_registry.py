"""The rule registry itself: ids, generated docs, the shipped botocore facts, coverage by the rule tables, docstrings,
and the default app passing a strict synth."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pydoc
import re
from pathlib import Path
from types import ModuleType

import aws_cdk as cdk
import pytest

import sagemaker_hpo
from sagemaker_hpo._contract import contract
from sagemaker_hpo.rules import Finding, Level, Source, all_rules, get_rule, load_rules, register, service_model
from sagemaker_hpo.rules import docs as rules_docs
from sagemaker_hpo.rules.metrics import nested_quantifier
from tests import (
    test_error_kinds,
    test_gpu_image,
    test_organization,
    test_platform,
    test_provider,
    test_team,
    test_tuning_job,
)
from tests.construct_support import job, new_stack, training
from tests.platform_apps import default_app
from tests.rules.cases import home_module_of, rule_of, warnings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def _rules_loaded() -> None:
    load_rules()


def test_rule_ids_are_stable_and_well_formed() -> None:
    ids = [r.id for r in all_rules()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"HPO-[A-Z]+-\d{3}", i) for i in ids), ids
    for r in all_rules():
        assert r.statement and r.field and isinstance(r.source, Source), r.id
        assert "\n" not in r.statement, r.id
    assert get_rule("HPO-RANGE-011").statement.startswith("A CategoricalRange's values are a list")


def test_rules_run_in_module_order_whatever_is_imported_first() -> None:
    """Typed props first (the other rules read the props), then static hyperparameters (ranges read their strings):
    importing the package (or any of its modules) registers the rule modules in ``RULE_MODULES`` order."""
    from sagemaker_hpo.rules import RULE_MODULES

    order = [m.rsplit(".", 1)[1] for m in RULE_MODULES]
    modules = [r.check.__module__.rsplit(".", 1)[1] for r in all_rules()]
    assert modules == sorted(modules, key=order.index)
    # Then which of training/definitions is given (HPO-DEF): every later rule reads a definition's training.
    assert [r.family for r in all_rules()][:9] == ["TYPE", "TYPE", "TYPE", "TYPE", "DEF", "DEF", "DEF", "DEF", "HP"]


def test_register_refuses_duplicate_and_malformed_ids() -> None:
    existing = get_rule("HPO-JOB-001")
    with pytest.raises(ValueError, match="registered twice"):
        register(existing)
    with pytest.raises(ValueError, match="must look like HPO-FAMILY-001"):
        register(dataclasses.replace(existing, id="JOB-1"))


def _rule_case_modules() -> list[ModuleType]:
    """Every ``tests/rules/test_<module>.py``, imported."""
    return [
        importlib.import_module(f"tests.rules.{path.stem}")
        for path in sorted((ROOT / "tests" / "rules").glob("test_*.py"))
    ]


def test_rule_cases_live_in_the_test_module_of_their_rules_module() -> None:
    modules = _rule_case_modules()
    assert len(modules) >= 10
    for module in modules:
        rules_module = module.__name__.removeprefix("tests.rules.test_")
        assert (ROOT / "constructs" / "sagemaker_hpo" / "rules" / f"{rules_module}.py").exists(), module.__name__
        for kind in ("FAILING", "PASSING", "WARNS"):
            for case in getattr(module, kind, []):
                assert home_module_of(case[0]) == module.__name__, f"{module.__name__}.{kind}: {case[0]}"


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    modules = _rule_case_modules()
    failing = {rule_of(case[0]) for m in modules for case in getattr(m, "FAILING", [])}
    failing |= test_organization.FAILING_RULE_IDS | test_provider.FAILING_RULE_IDS
    failing |= test_gpu_image.FAILING_RULE_IDS | test_tuning_job.FAILING_RULE_IDS
    failing |= test_platform.FAILING_RULE_IDS | test_error_kinds.FAILING_RULE_IDS | test_team.FAILING_RULE_IDS
    warning = {rule_of(case[0]) for m in modules for case in getattr(m, "WARNS", [])}
    passing = {rule_of(case[0]) for m in modules for case in getattr(m, "PASSING", [])}
    passing |= test_organization.PASSING_RULE_IDS | test_provider.PASSING_RULE_IDS
    passing |= test_gpu_image.PASSING_RULE_IDS | test_tuning_job.PASSING_RULE_IDS
    passing |= test_platform.PASSING_RULE_IDS | test_error_kinds.PASSING_RULE_IDS | test_team.PASSING_RULE_IDS
    ids = {r.id for r in all_rules()}
    errors = {r.id for r in all_rules() if r.level is Level.ERROR}
    warnings = ids - errors
    assert errors - failing == set(), "error rules without a failing case"
    assert warnings - warning == set(), "warning rules without a warning case"
    assert ids - passing == set(), "rules without a passing case"
    assert (failing | warning | passing) - ids == set(), "cases keyed by an unknown rule id"


def test_docs_rules_md_is_generated_from_the_registry() -> None:
    path = ROOT / "docs" / "rules.md"
    assert path.read_text(encoding="utf-8") == rules_docs.render(), (
        "docs/rules.md is stale: run `make rules-docs` (python -m sagemaker_hpo.rules.docs)"
    )
    text = path.read_text(encoding="utf-8")
    for r in all_rules():
        assert f"| {r.id} | {r.level.value} |" in text


def test_shipped_service_model_facts_match_the_installed_botocore() -> None:
    shipped = (ROOT / "constructs" / "sagemaker_hpo" / service_model.DATA_FILE).read_text(encoding="utf-8")
    assert shipped == service_model.render(service_model.generate()), (
        "sagemaker-service-model.json differs from the installed botocore: run `make rules-data` and review the diff"
    )
    assert "ml.m5.xlarge" in service_model.enum("TrainingInstanceType")
    assert service_model.maximum("HyperParameterTuningMaxRuntimeInSeconds") == 15_768_000


def test_the_contracts_job_name_pattern_is_the_models() -> None:
    assert contract.JOB_NAME_PATTERN == f"^{service_model.shape('HyperParameterTuningJobName')['pattern']}$"


def test_the_package_ships_the_data_files() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"sagemaker_hpo.rules"' in pyproject
    assert '"data/*.json"' in pyproject and "images/**/*" in pyproject


@pytest.mark.parametrize(
    ("regex", "nested"),
    [
        (r"(a+)+$", True),
        (r"(\d*)*", True),
        (r"((?:x|y)+z?)*", True),
        (r"(.*a){3,}", True),
        (r"acc=([0-9.]+)", False),
        (r"loss=([-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|nan)", False),
        (r"(ab){2}", False),
    ],
)
def test_nested_quantifiers_are_detected(regex: str, nested: bool) -> None:
    assert (nested_quantifier(regex) is not None) is nested


def test_a_rule_registered_by_another_module_runs_for_its_subject() -> None:
    """The way another module adds a rule: the ``rule`` decorator, then ``run_rules`` on its subject."""
    from sagemaker_hpo.rules import _registry, rule, run_rules

    class Subject:
        def __init__(self, value: int) -> None:
            self.value = value

    try:

        @rule("HPO-TEST-001", statement="A test rule.", field="Value", source=Source.LIBRARY, subjects=Subject)
        def _below_three(subject: Subject, finding: Finding) -> None:
            finding.require(subject.value < 3, "value", subject.value, "must be below 3")

        assert get_rule("HPO-TEST-001").check is _below_three
        run_rules(Subject(2), path="Here")
        with pytest.raises(
            sagemaker_hpo.ValidationError, match=r"^Here: invalid value: 3; must be below 3 \[HPO-TEST-001\]$"
        ):
            run_rules(Subject(3), path="Here")

        class Special(Subject):
            pass

        # A rule registered after a run (the rules of each subject type are remembered) still runs, and the rules
        # of a base class run for its subclasses.
        @rule("HPO-TEST-002", statement="Another.", field="Value", source=Source.LIBRARY, subjects=Subject)
        def _not_two(subject: Subject, finding: Finding) -> None:
            finding.require(subject.value != 2, "value", subject.value, "must not be 2")

        with pytest.raises(sagemaker_hpo.ValidationError, match=r"\[HPO-TEST-002\]$"):
            run_rules(Subject(2), path="Here")
        with pytest.raises(sagemaker_hpo.ValidationError, match=r"\[HPO-TEST-002\]$"):
            run_rules(Special(2), path="Here")
        assert [r.id for r in _registry.rules_for(Special)] == ["HPO-TEST-001", "HPO-TEST-002"]
    finally:
        for rule_id in ("HPO-TEST-001", "HPO-TEST-002"):
            _registry._RULES.pop(rule_id, None)  # keep the registry (and docs/rules.md) as shipped
        _registry._RULES_BY_SUBJECT_TYPE.clear()


def test_the_rules_of_a_subject_type_are_those_registered_for_it_or_its_bases() -> None:
    from sagemaker_hpo.rules import JobSpec, _registry

    every = all_rules()
    for subject_type in {t for r in every for t in r.subjects}:
        expected = [r.id for r in every if issubclass(subject_type, r.subjects)]
        assert [r.id for r in _registry.rules_for(subject_type)] == expected
    assert _registry.rules_for(JobSpec) and not _registry.rules_for(int)


# -- the default app passes a strict synth ---------------------------------------------------------------------


def _warnings_and_errors(outdir: Path) -> list[str]:
    """What ``cdk synth --strict`` fails on: every warning and error in the cloud assembly's stack metadata."""
    manifest = json.loads((outdir / "manifest.json").read_text())
    found = []
    for artifact in manifest["artifacts"].values():
        for path, entries in artifact.get("metadata", {}).items():
            for entry in entries:
                if entry["type"] in ("aws:cdk:warning", "aws:cdk:error"):
                    found.append(f"{path}: {entry['data']}")
    return found


def test_the_default_app_passes_a_strict_synth() -> None:
    """The in-process equivalent of ``cdk synth --strict``: the default app's assembly holds no warning or error.

    (The CLI itself, ``node_modules/.bin/cdk synth --strict``, fails on exactly these metadata entries; it was run
    by hand for this change. The default app is synthesized once per session, with cdk-nag, by tests/platform_apps.)
    """
    app = default_app()
    assert _warnings_and_errors(Path(app.app.outdir)) == []
    assert {"XgboostHyperband", "MlpHyperband"} <= set(app.templates)


def test_the_published_xgboost_example_reads_csv() -> None:
    template = default_app().templates["XgboostHyperband"]
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == contract.RESOURCE_TYPE]
    channels = resource["Properties"][contract.PROP_REQUEST]["TrainingJobDefinition"]["InputDataConfig"]
    assert {c["ChannelName"]: c["ContentType"] for c in channels} == {"train": "text/csv", "validation": "text/csv"}


# -- every keyword is documented where help() shows it ------------------------------------------------------------

VALUE_TYPES = [
    "TrainingDefinition",
    "ContinuousRange",
    "IntegerRange",
    "CategoricalRange",
    "Hyperband",
    "Bayesian",
    "RandomSearch",
    "GridSearch",
    "Objective",
    "MetricDefinition",
    "S3Input",
    "S3Location",
    "WarmStart",
    "CompletionCriteria",
    "Json",
]


@pytest.mark.parametrize("name", VALUE_TYPES)
def test_value_types_document_every_field(name: str) -> None:
    cls = getattr(sagemaker_hpo, name)
    doc = pydoc.render_doc(cls)
    for field in dataclasses.fields(cls):
        if not field.name.startswith("_"):
            assert re.search(rf":param {field.name}:", doc), f"{name}.{field.name} is not documented"
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING:
            line = re.search(rf":param {field.name}:(.*?)(?=:param|\Z)", cls.__doc__ or "", re.S)
            assert line and "Default:" in line.group(1), f"{name}.{field.name}: no Default: stated"


@pytest.mark.parametrize("name", ["TuningJob", "GpuTrainingImage"])
def test_construct_init_documents_every_keyword(name: str) -> None:
    import inspect

    init = getattr(sagemaker_hpo, name).__init__
    doc = pydoc.render_doc(init)
    for parameter in list(inspect.signature(init).parameters)[1:]:
        assert f":param {parameter}:" in doc, f"{name}.__init__ {parameter} is not documented"
    assert "Default: ``Hyperband()``" in pydoc.render_doc(sagemaker_hpo.TuningJob.__init__)


@pytest.mark.parametrize(
    ("enum_type", "shape"),
    [
        (sagemaker_hpo.InputMode, "TrainingInputMode"),
        (sagemaker_hpo.S3DataDistribution, "S3DataDistribution"),
        (sagemaker_hpo.CompressionType, "CompressionType"),
        (sagemaker_hpo.ScalingType, "HyperParameterScalingType"),
        (sagemaker_hpo.ObjectiveType, "HyperParameterTuningJobObjectiveType"),
        (sagemaker_hpo.WarmStartType, "HyperParameterTuningJobWarmStartType"),
    ],
)
def test_the_library_enums_hold_the_models_values(enum_type: type, shape: str) -> None:
    assert sorted(member.value for member in enum_type) == sorted(service_model.enum(shape))  # type: ignore[attr-defined]


def test_strategy_names_are_the_models() -> None:
    names = {cls.name for cls in (sagemaker_hpo.Hyperband, sagemaker_hpo.Bayesian, sagemaker_hpo.RandomSearch)}
    names.add(sagemaker_hpo.GridSearch.name)
    assert names == set(service_model.enum("HyperParameterTuningJobStrategyType"))


def test_a_warning_is_acknowledged_by_its_rule_id_only() -> None:
    stack = new_stack("Ack")
    tuning = job(stack, "Tuning", max_jobs=40, max_parallel_jobs=11, training=training(use_spot_instances=True))
    cdk.Annotations.of(tuning).acknowledge_warning("HPO-JOB-005", "quota raised to 20 in this account")
    assert not warnings(stack, "HPO-JOB-005")
    assert warnings(stack, "HPO-TRAIN-008")
