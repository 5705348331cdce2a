"""``parameter_schema``: each SSM key declared once; what the importer reads is what a platform or a team publishes."""

from __future__ import annotations

import ast
import json
import re
from functools import cache
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ecr as ecr

from sagemaker_hpo import Guardrails, HpoPlatform, TrainingImage
from sagemaker_hpo import parameter_schema as schema
from tests.construct_support import job, training

PACKAGE = Path(schema.__file__).resolve().parent
NAMESPACE = "/schema-test/"
ENV = cdk.Environment(account="111111111111", region="us-east-1")


@cache
def _published_and_read() -> tuple[set[str], dict[str | None, set[str]]]:
    """The SSM names a platform with a team publishes, and the names an importer of each (platform, team) reads."""
    app = cdk.App()
    stack = cdk.Stack(app, "Platform", env=ENV)
    repository = ecr.Repository.from_repository_name(stack, "Repo", "images")
    platform = HpoPlatform(
        stack,
        "Hpo",
        namespace=NAMESPACE,
        images={"train": TrainingImage.from_ecr_repository(repository, tag="1")},
        guardrails=Guardrails(),
    )
    platform.add_team(
        "vision",
        repositories=[repository],
        images={"train": TrainingImage.from_ecr_repository(repository, tag="1")},
        guardrails=Guardrails(),
    )
    platform_template = app.synth().get_stack_by_name(stack.stack_name).template
    resources = platform_template["Resources"].values()
    published = {r["Properties"]["Name"] for r in resources if r["Type"] == "AWS::SSM::Parameter"}
    read: dict[str | None, set[str]] = {}
    for team in (None, "vision"):
        consumer_app = cdk.App()  # one app each: their context lookups are told apart
        consumer = cdk.Stack(consumer_app, "Consumer", env=ENV)
        imported = HpoPlatform.from_parameters(consumer, "Imported", namespace=NAMESPACE, team=team)
        # Touch what is imported on first use only, and add a job (it adds the guardrails drift check).
        _ = imported.artifacts_bucket, imported.volume_key, imported.image_uri("train")
        job(
            consumer,
            provider=imported.provider,
            training=training(
                role=imported.training_role,
                inputs={"train": imported.data_input("x/", content_type="text/csv")},
                output_path=imported.output_location("x/"),
            ),
        )
        assembly = consumer_app.synth()
        manifest = json.loads((Path(assembly.directory) / "manifest.json").read_text(encoding="utf-8"))
        # The published guardrails are read by a context lookup (missing here: no CLI to look it up).
        looked_up = {m["props"]["parameterName"] for m in manifest.get("missing", []) if m["provider"] == "ssm"}
        template = json.dumps(assembly.get_stack_by_name(consumer.stack_name).template)
        read[team] = set(re.findall(re.escape(NAMESPACE) + r"[A-Za-z0-9_./-]+", template)) | looked_up
    return published, read


@pytest.mark.parametrize("team", [None, "vision"])
def test_every_parameter_the_importer_reads_is_published(team: str | None) -> None:
    published, read = _published_and_read()
    assert read[team], "the importer read no parameter"
    assert read[team] <= published, sorted(read[team] - published)


@pytest.mark.parametrize("team", [None, "vision"])
def test_the_importer_reads_each_imported_schema_parameter(team: str | None) -> None:
    _, read = _published_and_read()
    own = NAMESPACE if team is None else f"{NAMESPACE}teams/{team}/"
    expected = set()
    for parameter in schema.imported_parameters():
        if team is None and schema.Publisher.PLATFORM not in parameter.publishers:
            continue  # a team's own parameter (its volume key): read only when a team is imported
        shared = parameter.imported_from is schema.ImportedFrom.PLATFORM
        expected.add(parameter.name_in(NAMESPACE if shared else own, name="train"))
    assert expected <= read[team], sorted(expected - read[team])


def test_imported_parameters_are_published_by_whom_the_importer_reads_them_from() -> None:
    for parameter in schema.imported_parameters():
        if parameter.imported_from is schema.ImportedFrom.PLATFORM:
            assert parameter.publishers == {schema.Publisher.PLATFORM}, parameter.key
        else:
            assert schema.Publisher.TEAM in parameter.publishers, parameter.key


def test_each_publisher_publishes_exactly_its_schema_parameters() -> None:
    published, _ = _published_and_read()
    for publisher, namespace in (
        (schema.Publisher.PLATFORM, NAMESPACE),
        (schema.Publisher.TEAM, f"{NAMESPACE}teams/vision/"),
    ):
        own = {name for name in published if name.startswith(namespace) and "/teams/" not in name[len(namespace) - 1 :]}
        expected = {parameter.name_in(namespace, name="train") for parameter in schema.published_by(publisher)}
        assert own == expected


def test_keys_are_unique_and_a_publisher_without_a_description_is_refused() -> None:
    keys = [parameter.key for parameter in schema.SCHEMA]
    assert len(keys) == len(set(keys))
    with pytest.raises(ValueError, match="data-bucket-name"):
        schema.parameter_values(schema.Publisher.TEAM, [(schema.DATA_BUCKET, "bucket")])


def _string_constants(tree: ast.AST) -> list[tuple[ast.Constant, ast.AST | None]]:
    """Each string constant of ``tree`` (docstrings left out) with its parent node."""
    docstrings = set()
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
        body = getattr(node, "body", None)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node, parents.get(id(node)))
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _is_validation_field(node: ast.Constant, parent: ast.AST | None) -> bool:
    """``ValidationError(path, "<field>", ...)``, or a rule's ``finding.fail("<field>", ...)`` (the field is the second
    argument of ``finding.require``): a field name, not a parameter key."""
    if not isinstance(parent, ast.Call):
        return False
    called = getattr(parent.func, "id", getattr(parent.func, "attr", None))
    position = {"ValidationError": 1, "fail": 0, "require": 1}.get(str(called))
    return position is not None and len(parent.args) > position and parent.args[position] is node


def test_each_key_string_is_written_only_in_the_schema() -> None:
    keys = {parameter.key for parameter in schema.SCHEMA}
    found: list[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "parameter_schema.py":
            continue
        for node, parent in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            for key in keys:
                # Hyphenated and path keys are distinctive inside messages too; a plain word only as a whole value.
                distinctive = "-" in key or "/" in key
                hit = node.value == key or (
                    distinctive and re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", node.value)
                )
                if hit and not _is_validation_field(node, parent):
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {key!r} in {node.value!r}")
    assert not found


def test_the_key_check_finds_a_key_written_outside_the_schema() -> None:
    tree = ast.parse('NAME = "volume-key-arn"\nraise ValidationError(path, "guardrails", value, "bad")\n'
                     'finding.fail("images", value, "bad")\nfinding.require(ok, "team", value, "bad")\n')  # fmt: skip
    constants = {node.value: _is_validation_field(node, parent) for node, parent in _string_constants(tree)}
    assert constants["volume-key-arn"] is False
    assert constants["guardrails"] is True
    assert constants["images"] is True and constants["team"] is True


def test_descriptions_fill_in_the_image_name() -> None:
    values = schema.image_values(schema.Publisher.TEAM, {"gpu": "uri"})
    assert values == {"images/gpu/uri": ("uri", "the URI of the team's training image 'gpu'")}
