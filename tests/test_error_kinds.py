"""One kind of error: a mistake a user can make is a ``ValidationError`` (path, field, rule id), never an ``assert``
or a plain ``ValueError``/``TypeError``/``KeyError``/``RuntimeError``.

The test reads the library's source (its AST) and fails on every ``assert`` statement and every ``raise`` of one of
those exceptions outside :data:`PROGRAMMING_ERRORS`: the sites a user's input cannot reach, each with the reason.
The dry-run and operate CLIs (``dryrun/``, ``operate/``) print one-line errors with exit codes, and the packaged
training program (``images/``) runs in the container: they are not scanned.
"""

from __future__ import annotations

import ast
from pathlib import Path

import sagemaker_hpo

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
    ("grants.py", "RoleBinding._key_covered", "assert"): "set by bind (grants.py is restructured elsewhere)",
    ("grants.py", "RoleBinding._missing", "assert"): "set by bind (grants.py is restructured elsewhere)",
    ("provider.py", "TuningJobProvider._acknowledge_by_design", "assert"): "the Provider framework's own children",
    ("secure_defaults.py", "SecureBucket.__init__", "assert"): "an s3.Bucket's default child is a CfnBucket",
    ("tuning_job.py", "TuningJob._attach", "assert"): "a CustomResource's default child is a CfnResource",
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
            if module == "grants.py":
                continue  # another change restructures grants.py
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
