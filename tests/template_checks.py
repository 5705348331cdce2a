"""Reusable checks over synthesized CDK apps: templates, cfn-lint errors, cdk-nag findings and IAM policy walkers.

Typical use (one synthesis per app; keep it in a module- or session-scoped fixture)::

    app = new_app()                      # an App with cdk.json's context and its own temporary outdir
    MyStack(app, "Stack")
    findings = nag_findings(app)         # registers cdk-nag's AwsSolutionsChecks, then synthesizes
    templates = synth_templates(app)     # {stack name: template dict}, from that same synthesis
    errors = cfn_lint_errors(template_paths(app))
    for where, statement in iam_statements(templates["Stack"]): ...

cdk-nag 3 runs as a CDK policy-validation plugin (``Validations.of(app).add_plugins(AwsSolutionsChecks(app))``,
``aws_cdk.Validations`` / ``aws_cdk.Acknowledgment`` in aws-cdk-lib's core): it reports through the cloud
assembly's ``validation-report.json`` and makes ``app.synth()`` raise when an unacknowledged error remains. The
helpers here read that report, so a failing check lists every finding instead of stopping at the exception.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import Validations

ROOT = Path(__file__).resolve().parents[1]
VALIDATION_REPORT = "validation-report.json"

__all__ = [
    "IamStatement",
    "as_list",
    "cdk_json_context",
    "cfn_lint_errors",
    "iam_statements",
    "nag_acknowledgements",
    "nag_findings",
    "recorded_acknowledgements",
    "new_app",
    "resources_of_type",
    "synth_templates",
    "template_paths",
]


def cdk_json_context() -> dict[str, Any]:
    """The ``context`` of the project's ``cdk.json`` (feature flags), as ``cdk synth`` passes it to the app."""
    return dict(json.loads((ROOT / "cdk.json").read_text()).get("context", {}))


def new_app(**context: Any) -> cdk.App:
    """An ``App`` with ``cdk.json``'s context (plus ``context``) that synthesizes into a fresh temporary folder."""
    return cdk.App(outdir=tempfile.mkdtemp(prefix="cdk-test-"), context={**cdk_json_context(), **context})


# -- synthesis ---------------------------------------------------------------------------------------------------

_synthesized: dict[int, tuple[cdk.App, Path, Exception | None]] = {}
_nagged: set[int] = set()


def _synthesize(app: cdk.App) -> tuple[Path, Exception | None]:
    """Synthesize ``app`` once; a failure of the validation plugins is kept (its report is in the outdir)."""
    key = id(app)
    if key not in _synthesized:
        error: Exception | None = None
        try:
            assembly = app.synth()
            outdir = Path(assembly.directory)
        except RuntimeError as err:  # jsii raises validation failures as RuntimeError
            if "Validation failed" not in str(err):
                raise
            error = err
            outdir = Path(app.outdir)
        _synthesized[key] = (app, outdir, error)  # keep ``app`` alive so that ``id`` stays unique
    _, outdir, error = _synthesized[key]
    return outdir, error


def synth_templates(app: cdk.App) -> dict[str, dict[str, Any]]:
    """Synthesize ``app`` (once) and return each stack's template by stack name.

    Works whether or not cdk-nag found something: validation plugins run after the templates are written.
    """
    outdir, _ = _synthesize(app)
    manifest = json.loads((outdir / "manifest.json").read_text())
    templates: dict[str, dict[str, Any]] = {}
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties", {})
        name = properties.get("stackName") or artifact.get("displayName")
        templates[name] = json.loads((outdir / properties["templateFile"]).read_text())
    return templates


def template_paths(app: cdk.App) -> list[Path]:
    """The synthesized template files of ``app`` (synthesized once)."""
    outdir, _ = _synthesize(app)
    return sorted(outdir.glob("*.template.json"))


# -- cfn-lint ----------------------------------------------------------------------------------------------------


def cfn_lint_errors(paths: list[Path]) -> list[str]:
    """cfn-lint's errors (rules ``E*``) in the given template files, as ``file: rule: message (path)`` strings.

    Warnings are ignored: CDK output carries W3005 (redundant DependsOn) and similar by design.
    """
    from cfnlint.api import lint_file

    errors: list[str] = []
    for path in paths:
        for match in lint_file(Path(path)):
            if match.rule.id.startswith("E"):
                where = "/".join(str(part) for part in getattr(match, "path", None) or [])
                errors.append(f"{Path(path).name}: {match.rule.id}: {match.message} ({where})")
    return errors


# -- cdk-nag -----------------------------------------------------------------------------------------------------


def _nag_report(app: cdk.App) -> list[dict[str, Any]]:
    if id(app) not in _nagged:
        if id(app) in _synthesized:
            raise RuntimeError("nag_findings must be called before the app is first synthesized")
        from cdk_nag import AwsSolutionsChecks

        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        _nagged.add(id(app))
    outdir, error = _synthesize(app)
    report_file = outdir / VALIDATION_REPORT
    if not report_file.exists():
        if error is not None:
            raise error
        return []
    report = json.loads(report_file.read_text())
    return [r for r in report.get("pluginReports", []) if r.get("pluginName") == "AwsSolutions"]


def nag_findings(app: cdk.App) -> list[str]:
    """Unacknowledged cdk-nag ``AwsSolutionsChecks`` findings of ``app``, as ``rule at construct path: text``.

    Registers the rule pack and synthesizes the app (once); call it before any other helper synthesizes the app.
    An empty list means every finding was fixed or acknowledged (``Validations.of(scope).acknowledge``).
    """
    findings = []
    for plugin_report in _nag_report(app):
        for violation in plugin_report.get("violations", []):
            for construct in violation.get("violatingConstructs", []):
                findings.append(f"{violation['ruleName']} at {construct['constructPath']}: {violation['description']}")
    return sorted(findings)


@dataclass(frozen=True)
class Acknowledged:
    """One acknowledged cdk-nag finding: the finding id, the reason, where it was acknowledged and what it covers."""

    rule: str
    reason: str
    acknowledged_at: str
    constructs: tuple[str, ...]


def nag_acknowledgements(app: cdk.App) -> list[Acknowledged]:
    """The acknowledged cdk-nag findings of ``app`` with their reasons (from the same, single synthesis)."""
    acknowledged = []
    for plugin_report in _nag_report(app):
        for violation in plugin_report.get("suppressedViolations", []):
            acknowledged.append(
                Acknowledged(
                    rule=violation["ruleName"],
                    reason=violation.get("reason", ""),
                    acknowledged_at=violation.get("acknowledgedAt", ""),
                    constructs=tuple(c["constructPath"] for c in violation.get("violatingConstructs", [])),
                )
            )
    return acknowledged


def recorded_acknowledgements(app: cdk.App) -> list[tuple[str, str, str]]:
    """Every acknowledgement recorded in ``app``'s construct tree as ``(construct path, rule id, reason)``.

    Comparing these with :func:`nag_acknowledgements` finds stale acknowledgements (recorded, but no finding).
    """
    recorded = []
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY and isinstance(entry.data, dict):
                for rule, reason in entry.data.items():
                    recorded.append((construct.node.path, str(rule), str(reason)))
    return recorded


# -- template walkers --------------------------------------------------------------------------------------------


def as_list(value: Any) -> list[Any]:
    """``value`` as a list (IAM's ``Action``/``Resource`` may be a string or a list)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def resources_of_type(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """The resources of ``resource_type`` (e.g. ``AWS::S3::Bucket``) by logical id."""
    return {k: v for k, v in template.get("Resources", {}).items() if v.get("Type") == resource_type}


@dataclass(frozen=True)
class IamStatement:
    """One permission statement, where it was found, with ``Action`` and ``Resource`` as lists."""

    logical_id: str
    resource_type: str
    statement: dict[str, Any]

    @property
    def effect(self) -> str:
        """``Allow`` or ``Deny``."""
        return str(self.statement.get("Effect", "Allow"))

    @property
    def actions(self) -> list[Any]:
        """The statement's actions."""
        return as_list(self.statement.get("Action"))

    @property
    def resources(self) -> list[Any]:
        """The statement's resources (strings or CloudFormation intrinsics)."""
        return as_list(self.statement.get("Resource"))

    @property
    def conditions(self) -> dict[str, Any]:
        """The statement's conditions."""
        return dict(self.statement.get("Condition", {}))


def iam_statements(template: Mapping[str, Any]) -> Iterator[IamStatement]:
    """Every permission statement of the template's ``AWS::IAM::Policy``, ``Role`` and ``ManagedPolicy`` resources.

    Trust policies (``AssumeRolePolicyDocument``) are not permission statements and are skipped.
    """
    for logical_id, resource in template.get("Resources", {}).items():
        resource_type = resource.get("Type")
        properties = resource.get("Properties", {})
        documents: list[Any] = []
        if resource_type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents.append(properties.get("PolicyDocument", {}))
        elif resource_type == "AWS::IAM::Role":
            documents.extend(policy.get("PolicyDocument", {}) for policy in properties.get("Policies", []))
        for document in documents:
            for statement in as_list(document.get("Statement")):
                yield IamStatement(logical_id, resource_type, statement)
