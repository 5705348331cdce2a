"""The project layout: ``constructs/`` is a source root and must never shadow the ``constructs`` library."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

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
