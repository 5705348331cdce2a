"""One kind of error: a mistake a user can make is a ``ValidationError`` (path, field, rule id), never an ``assert``
or a plain ``ValueError``/``TypeError``/``KeyError``/``RuntimeError``.

The test reads the library's source (its AST) and fails on every ``assert`` statement and every ``raise`` of one of
those exceptions outside :data:`PROGRAMMING_ERRORS`: the sites a user's input cannot reach, each with the reason.
The dry-run and operate CLIs (``dryrun/``, ``operate/``) print one-line errors with exit codes, and the packaged
training program (``images/``) runs in the container: they are not scanned.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3

import sagemaker_hpo
from sagemaker_hpo import Guardrails, HpoPlatform, S3Location, TrainingImage, TuningJob, ValidationError
from sagemaker_hpo.buckets import TrainingBuckets
from sagemaker_hpo.rules import run_rules
from sagemaker_hpo.rules.platform import PublishedGuardrails, TeamChoice
from sagemaker_hpo.secure_defaults import SecureBucket

PACKAGE = Path(sagemaker_hpo.__file__).resolve().parent
#: Folders of the package that are not the construct library (see the module docs).
NOT_SCANNED = ("dryrun", "operate", "images")
#: The exceptions a user must never see for a mistake of theirs.
PLAIN_ERRORS = {"ValueError", "TypeError", "KeyError", "RuntimeError", "AssertionError"}

#: ``(module, function, statement)`` of each site only a programming error reaches, and why. ``statement`` is
#: ``assert`` or the exception raised. A new site needs an entry here (and a comment at the site) or a rule.
PROGRAMMING_ERRORS: dict[tuple[str, str, str], str] = {
    ("image.py", "_AssetImage.bind", "assert"): "the factories always set a directory or an asset",
    ("image.py", "_registry_account", "AssertionError"): "HPO-IMAGE-002 rejects the region before binding",
    ("imported_platform.py", "ImportedHpoPlatform._read", "ValueError"): "called with the schema's constants",
    ("parameter_schema.py", "Parameter.description_for", "ValueError"): "the platform and team pass constants",
    ("training.py", "select_subnet_ids", "assert"): "called only for a training with a VPC",
    ("training.py", "_vpc_config", "assert"): "called only for a training with a VPC",
    ("grants.py", "DeclaredRoleGrants.__init__", "TypeError"): "RoleBinding.of picks it for declared roles only",
    ("provider.py", "TuningJobProvider._acknowledge_by_design", "assert"): "the Provider framework's own children",
    ("secure_defaults.py", "SecureBucket.__init__", "assert"): "an s3.Bucket's default child is a CfnBucket",
    ("tuning_job.py", "_render_request", "assert"): "HPO-DEF-001 requires an objective without definitions",
    ("rules/_registry.py", "Finding.warn", "RuntimeError"): "warning rules are registered for constructs only",
    ("rules/_registry.py", "register", "ValueError"): "a rule's id, checked when the library registers it",
    ("rules/docs.py", "render", "ValueError"): "a rule family without a docs section",
    ("rules/job.py", "_tag_count", "assert"): "the shipped service model and the contract agree",
    ("rules/job.py", "_tag_text_ok", "assert"): "the shipped service model and the check agree",
    ("rules/types.py", "expect_of", "TypeError"): "a prop annotation without a type check",
    ("rules/request_model.py", "parse_path", "ValueError"): "caught by RequestOverride: HPO-OVR-001",
    ("rules/request_model.py", "shape_at", "KeyError"): "caught by _known_path: HPO-OVR-001",
}


def _library_modules() -> list[Path]:
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] not in NOT_SCANNED and "handlers" not in path.relative_to(PACKAGE).parts
    )


def _raised_name(node: ast.Raise) -> str | None:
    exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
    return exc.id if isinstance(exc, ast.Name) else None


def plain_error_sites(path: Path) -> list[tuple[str, str, str, int]]:
    """``(module, function, statement, line)`` of each ``assert`` and plain-error ``raise`` in ``path``."""
    module = path.relative_to(PACKAGE).as_posix()
    found: list[tuple[str, str, str, int]] = []

    def visit(node: ast.AST, scope: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            inner = scope
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = (*scope, child.name)
            if isinstance(child, ast.Assert):
                found.append((module, ".".join(scope), "assert", child.lineno))
            elif isinstance(child, ast.Raise) and _raised_name(child) in PLAIN_ERRORS:
                found.append((module, ".".join(scope), str(_raised_name(child)), child.lineno))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), ())
    return found


def test_no_assert_or_plain_error_outside_the_documented_programming_errors() -> None:
    sites = [site for path in _library_modules() for site in plain_error_sites(path)]
    unexpected = [
        f"{m}:{line} {s} in {f or '<module>'}" for m, f, s, line in sites if (m, f, s) not in PROGRAMMING_ERRORS
    ]
    assert unexpected == [], "raise a ValidationError with a rule id, or document a programming error here"
    stale = set(PROGRAMMING_ERRORS) - {(m, f, s) for m, f, s, _ in sites}
    assert stale == set(), "allow-list entries whose site is gone"


def test_each_documented_site_says_so_in_the_source() -> None:
    """A programming-error site carries a comment saying so (``programming error``), on its line or the one above."""
    for path in _library_modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for module, function, statement, line in plain_error_sites(path):
            if module.startswith("rules/") or statement == "AssertionError":
                continue  # the registry's own checks and the pragma'd one are documented in their docstrings
            nearby = " ".join(lines[max(0, line - 3) : line]).lower()
            assert "programming error" in nearby, f"{module}:{line} ({function}): say why no user input reaches it"


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    """The scan itself: an ``assert`` and a ``raise ValueError`` in a function are found, a ``ValidationError`` not."""
    sample = PACKAGE / "_scan_sample_for_test.py"
    try:
        sample.write_text(
            "def check(x):\n    assert x\n    if x < 0:\n        raise ValueError('no')\n"
            "    raise ValidationError('p', 'f', x, 'a', rule_id='HPO-X-001')\n"
        )
        assert [(s, line) for _, _, s, line in plain_error_sites(sample)] == [("assert", 2), ("ValueError", 4)]
    finally:
        sample.unlink()


# -- the rules that replaced plain errors and id-less ValidationErrors: a failing and a passing case each ----------


def _stack(name: str = "Stack") -> cdk.Stack:
    return cdk.Stack(cdk.App(), name)


def _platform(**props: Any) -> HpoPlatform:
    return HpoPlatform(_stack(), "Platform", **props)


def _published_guardrails(value: str) -> None:
    run_rules(PublishedGuardrails("/ml/guardrails", value), path="Stack/Imported")


def _second_team() -> None:
    platform = _platform()
    platform.add_team("vision")
    platform.add_team("vision")


def _clashing_prefix() -> None:
    run_rules(TeamChoice("b", name_prefix="x1234", other_prefixes=frozenset({"x1234"})), path="Stack/Platform")


def _log_delivery_to_a_data_bucket() -> None:
    stack = _stack()
    logs = SecureBucket(stack, "Logs", access_log_target=True)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    SecureBucket(stack, "Data", encryption_key=key, server_access_logs_bucket=logs).allow_log_delivery_from(logs)


#: (rule id, what is done wrong, the path and the field the error names).
FAILING_CASES: list[tuple[str, Callable[[], Any], str, str]] = [
    ("HPO-PLATFORM-001", lambda: _platform(name="bad name"), "Stack/Platform", "name"),
    ("HPO-PLATFORM-002", lambda: _platform(namespace=cdk.Fn.ref("Namespace")), "Stack/Platform", "namespace"),
    ("HPO-PLATFORM-003", lambda: _platform(namespace="ml/hpo/"), "Stack/Platform", "namespace"),
    ("HPO-PLATFORM-004", lambda: _platform(namespace="/aws/hpo/"), "Stack/Platform", "namespace"),
    ("HPO-PLATFORM-005", lambda: _platform(namespace="/" + "a" * 901 + "/"), "Stack/Platform", "namespace"),
    (
        "HPO-PLATFORM-006",
        lambda: _platform(images={"no/slash": TrainingImage.builtin_algorithm("xgboost", "1.7-1")}),
        "Stack/Platform",
        "images name",
    ),  # fmt: skip
    ("HPO-PLATFORM-007", lambda: _platform().add_team("Vision"), "Stack/Platform", "team"),
    ("HPO-PLATFORM-008", _second_team, "Stack/Platform", "team"),
    ("HPO-PLATFORM-009", _clashing_prefix, "Stack/Platform", "team"),
    (
        "HPO-PLATFORM-010",
        lambda: _platform(include_gpu_image=True, images={"gpu": TrainingImage.builtin_algorithm("xgboost", "1.7-1")}),
        "Stack/Platform",
        "images",
    ),  # fmt: skip
    ("HPO-PLATFORM-011", lambda: _published_guardrails("{not json"), "Stack/Imported", "guardrails"),
    ("HPO-BUCKET-001", lambda: TrainingBuckets(_stack(), "Buckets").data_input("a/../b/"), "Stack/Buckets", "prefix"),
    (
        "HPO-BUCKET-002",
        lambda: TrainingBuckets(_stack(), "Buckets", checkpoint_expiration=Duration.hours(5)),
        "Stack/Buckets",
        "checkpoint_expiration",
    ),  # fmt: skip
    (
        "HPO-BUCKET-003",
        lambda: SecureBucket(
            _stack(),
            "Logs",
            access_log_target=True,
            encryption_key=kms.Key.from_key_arn(_stack(), "K", "arn:aws:kms:eu-west-1:111122223333:key/x"),
        ),
        "Stack/Logs",
        "encryption_key",
    ),  # fmt: skip
    (
        "HPO-BUCKET-004",
        lambda: SecureBucket(
            _stack(),
            "Logs",
            access_log_target=True,
            server_access_logs_bucket=s3.Bucket.from_bucket_name(_stack(), "B", "log-bucket"),
        ),
        "Stack/Logs",
        "server_access_logs_bucket",
    ),  # fmt: skip
    ("HPO-BUCKET-005", lambda: SecureBucket(_stack(), "Data"), "Stack/Data", "encryption_key"),
    (
        "HPO-BUCKET-006",
        lambda: SecureBucket(
            _stack(),
            "Data",
            encryption_key=kms.Key.from_key_arn(_stack(), "K", "arn:aws:kms:eu-west-1:111122223333:key/x"),
        ),
        "Stack/Data",
        "server_access_logs_bucket",
    ),  # fmt: skip
    ("HPO-BUCKET-007", _log_delivery_to_a_data_bucket, "Stack/Data", "access_log_target"),
    (
        "HPO-GUARD-014",
        lambda: _platform(guardrails=Guardrails(max_parallel_jobs=0)),
        "Stack/Platform",
        "guardrails.max_parallel_jobs",
    ),  # fmt: skip
    (
        "HPO-GUARD-015",
        lambda: _platform(guardrails=Guardrails(max_instance_hours=0)),
        "Stack/Platform",
        "guardrails.max_instance_hours",
    ),  # fmt: skip
    (
        "HPO-GUARD-016",
        lambda: _platform(guardrails=Guardrails(instance_types=[])),
        "Stack/Platform",
        "guardrails.instance_types",
    ),  # fmt: skip
    (
        "HPO-GUARD-017",
        lambda: _platform(guardrails=Guardrails(required_tags=["aws:owner"])),
        "Stack/Platform",
        "guardrails.required_tags",
    ),  # fmt: skip
    (
        "HPO-ATTR-004",
        lambda: TuningJob.from_tuning_job_name(_stack(), "Imported", ""),
        "Stack/Imported",
        "tuning_job_name",
    ),  # fmt: skip
    (
        "HPO-TYPE-004",
        lambda: TrainingImage.builtin_algorithm("xgboost", 1.7),
        "TrainingImage.builtin_algorithm",
        "version",
    ),  # fmt: skip
    ("HPO-TYPE-004", lambda: S3Location.from_bucket("my-bucket"), "S3Location.from_bucket", "bucket"),
]
#: Each rule id with a failing case above (tests/test_rules_registry.py).
FAILING_RULE_IDS = {rule_id for rule_id, _, _, _ in FAILING_CASES}
#: Each rule id test_a_platform_within_every_rule_passes passes (tests/test_rules_registry.py).
PASSING_RULE_IDS = set(FAILING_RULE_IDS)


@pytest.mark.parametrize(
    ("rule_id", "mistake", "path", "field"), FAILING_CASES, ids=[f"{c[0]}:{c[3]}" for c in FAILING_CASES]
)
def test_each_mistake_is_a_validation_error_with_path_field_and_rule_id(
    rule_id: str, mistake: Callable[[], Any], path: str, field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        mistake()
    assert (raised.value.path, raised.value.field, raised.value.rule_id) == (path, field, rule_id)
    assert str(raised.value).startswith(f"{path}: ") and str(raised.value).endswith(f"[{rule_id}]")


def test_a_platform_within_every_rule_passes() -> None:
    """The passing case of each rule above: one platform, a team, its buckets' helpers, guardrails and factories."""
    stack = _stack()
    platform = HpoPlatform(
        stack,
        "Platform",
        namespace="/ml/hpo",  # PLATFORM-001..005 (a final / is added)
        images={"xgb": TrainingImage.builtin_algorithm("xgboost", "1.7-1")},  # PLATFORM-006/010, TYPE-004
        guardrails=Guardrails(
            max_parallel_jobs=2,
            max_instances_per_job=1,
            max_instance_hours=10,
            instance_types=["ml.m5.*"],
            required_tags=["cost-center"],
        ),  # GUARD-014..017  # fmt: skip
        checkpoint_expiration=Duration.days(7),  # BUCKET-002; BUCKET-003..007: the three secure buckets
    )
    assert platform.namespace == "/ml/hpo/"
    vision = platform.add_team("vision")  # PLATFORM-007..009
    platform.add_team("audio")
    assert vision.data_input("train/", content_type="text/csv")  # BUCKET-001
    _published_guardrails('{"max_parallel_jobs": 2}')  # PLATFORM-011
    TuningJob.from_tuning_job_name(stack, "Imported", "earlier-job")  # ATTR-004
    S3Location.from_bucket(platform.data_bucket, "x/")  # TYPE-004


def test_every_validation_error_the_library_raises_names_a_rule() -> None:
    """Each ``ValidationError(...)`` or ``ValidationError.wrong_type(...)`` call passes ``rule_id``."""
    missing = []
    for path in _library_modules():
        module = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and "ValidationError" in ast.unparse(node.func):
                if ast.unparse(node.func) in ("ValidationError", "ValidationError.wrong_type", "cls"):
                    if not any(k.arg == "rule_id" for k in node.keywords):
                        missing.append(f"{module}:{node.lineno}")
    assert missing == []
