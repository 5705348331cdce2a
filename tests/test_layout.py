"""The project layout: ``constructs/`` is a source root and must never shadow the ``constructs`` library."""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_constructs_folder_has_no_init() -> None:
    assert not (ROOT / "constructs" / "__init__.py").exists()


def test_import_constructs_resolves_to_the_installed_library() -> None:
    # Run from the project root, where a package folder named `constructs` would win over site-packages.
    code = "import constructs, sys; print(constructs.__file__); print(hasattr(constructs, 'Construct'))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    location, has_construct = out.stdout.split()
    assert "site-packages" in location
    assert has_construct == "True"


def test_package_imports_from_source_root_and_is_typed() -> None:
    spec = importlib.util.find_spec("sagemaker_hpo")
    assert spec is not None and spec.origin is not None
    package_dir = Path(spec.origin).parent
    assert package_dir == ROOT / "constructs" / "sagemaker_hpo"
    assert (package_dir / "py.typed").exists()


def test_lambda_handlers_use_only_stdlib_and_boto3() -> None:
    allowed = set(sys.stdlib_module_names) | {"boto3", "botocore"}
    sources = list((ROOT / "lambda").glob("*/*.py"))
    assert sources
    for source in sources:
        for line in source.read_text().splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] in {"import", "from"} and not line.startswith((" ", "\t")):
                if words[1].startswith("."):  # the function's own package (relative import)
                    continue
                top = words[1].split(".")[0]
                assert top in allowed, f"{source.name} imports {top}, which the Lambda runtime does not provide"


#: Test modules under ``tests/handlers/<package>/`` that span a handler's modules instead of mirroring one (named in
#: the package's docstring): the fault-injection matrix that docs/reliability.md cites row by row, and the handler
#: over real HTTP against a local moto server.
CROSS_MODULE_HANDLER_TESTS = {"tuning_job": {"test_fault_matrix.py", "test_over_http.py"}}


def test_handler_tests_mirror_the_handler_modules() -> None:
    """``tests/handlers/<package>/test_<module>.py`` tests ``lambda/<package>/<module>.py``, and nothing else is there."""
    tests_root = ROOT / "tests" / "handlers"
    found = sorted(path.relative_to(tests_root) for path in tests_root.rglob("test_*.py"))
    assert found
    for path in found:
        assert len(path.parts) == 2, f"tests/handlers/{path}: test modules live in tests/handlers/<package>/"
        package, name = path.parts
        assert (ROOT / "lambda" / package / "__init__.py").exists(), f"tests/handlers/{path}: no lambda/{package}"
        if name in CROSS_MODULE_HANDLER_TESTS.get(package, set()):
            continue
        module = ROOT / "lambda" / package / name.removeprefix("test_")
        assert module.exists(), f"tests/handlers/{path} is not named after a module of lambda/{package}/"
    for package, names in CROSS_MODULE_HANDLER_TESTS.items():
        for name in names:
            assert Path(package, name) in found, (
                f"tests/handlers/{package}/{name} is listed as an exception but missing"
            )
    for folder in {tests_root, *(tests_root / path.parts[0] for path in found)}:
        assert (folder / "__init__.py").exists(), f"{folder.relative_to(ROOT)} must be a package (tests/ is one)"


def test_handler_tests_live_under_tests_handlers() -> None:
    """No test module outside ``tests/handlers/`` uses the handler test helpers: handler tests mirror ``lambda/``."""
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        imports = re.search(r"^(from|import) tests\.(handler_support|handlers)\b", path.read_text(), re.MULTILINE)
        assert imports is None, f"{path.name} tests a handler: move it under tests/handlers/"


def _aws_cdk_modules_imported_by_the_package() -> set[str]:
    """Every ``aws_cdk`` module the library's source imports (``from aws_cdk import aws_s3`` counts as aws_s3)."""
    found: set[str] = set()
    for path in (ROOT / "constructs" / "sagemaker_hpo").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("aws_cdk"):
                found.add(node.module or "")
                if node.module == "aws_cdk":
                    found.update(f"aws_cdk.{a.name}" for a in node.names if a.name.islower())
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("aws_cdk"))
    return found


def test_mypy_reads_exactly_the_aws_cdk_modules_the_package_imports() -> None:
    overrides = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]["overrides"]
    skipped = [o for o in overrides if o.get("follow_imports") == "skip"]
    followed = [o for o in overrides if o.get("follow_imports") == "normal"]
    assert [o["module"] for o in skipped] == [["aws_cdk.*"]]
    assert len(followed) == 1
    assert set(followed[0]["module"]) == _aws_cdk_modules_imported_by_the_package()
