"""The package's import graph: the platform's parts (platform, team, imported platform, parameter schema) import
each other in one direction only, and each imports on its own in a fresh interpreter."""

from __future__ import annotations

import ast
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sagemaker_hpo

PACKAGE = Path(sagemaker_hpo.__file__).resolve().parent
#: The modules that make up the platform; none of them may be on an import cycle.
PLATFORM_PARTS = (
    "sagemaker_hpo.platform",
    "sagemaker_hpo.team",
    "sagemaker_hpo.imported_platform",
    "sagemaker_hpo.parameter_schema",
    "sagemaker_hpo._namespace",
    "sagemaker_hpo._parameters",
    "sagemaker_hpo.platform_interface",
    "sagemaker_hpo.guardrail_attachment",
)


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(module: str, source: str, is_package: bool, modules: set[str]) -> set[str]:
    """The package modules ``source`` imports when it runs (function-level imports too; ``TYPE_CHECKING`` not)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = module.split(".")[: None if is_package else -1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:
                    submodule = f"{target}.{alias.name}"
                    found.add(submodule if submodule in modules else target)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            visit(child)

    visit(ast.parse(source))
    return {name for name in found if name in modules and name != module}


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Each module of the package and the package modules it imports at run time."""
    paths = {_module_name(root, path): path for path in root.rglob("*.py")}
    modules = set(paths)
    return {
        name: _runtime_imports(name, path.read_text(encoding="utf-8"), path.name == "__init__.py", modules)
        for name, path in paths.items()
    }


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    """The modules ``start`` imports, directly or not."""
    seen: set[str] = set()
    todo = list(graph.get(start, ()))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(graph.get(name, ()))
    return seen


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    return import_graph()


@pytest.mark.parametrize("module", PLATFORM_PARTS)
def test_no_platform_part_is_on_an_import_cycle(graph: dict[str, set[str]], module: str) -> None:
    assert module in graph
    assert module not in reachable(graph, module), f"{module} imports itself through another module"


def test_platform_imports_team_and_team_does_not_import_platform(graph: dict[str, set[str]]) -> None:
    assert "sagemaker_hpo.team" in graph["sagemaker_hpo.platform"]
    assert "sagemaker_hpo.imported_platform" in graph["sagemaker_hpo.platform"]
    for module in ("sagemaker_hpo.team", "sagemaker_hpo.imported_platform"):
        assert "sagemaker_hpo.platform" not in reachable(graph, module)


def test_the_schema_imports_nothing_of_the_package_or_of_cdk() -> None:
    tree = ast.parse((PACKAGE / "parameter_schema.py").read_text(encoding="utf-8"))
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported <= {"__future__", "enum", "collections.abc", "dataclasses"}, imported


def test_the_graph_finds_a_function_level_cycle(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .c import C\ndef f():\n    from .a import x\n"
    )
    (package / "c.py").write_text("")
    found = import_graph(package)
    assert found["pkg.a"] == {"pkg.b"}
    assert found["pkg.b"] == {"pkg.a"}  # the TYPE_CHECKING import of c is not a run-time import
    assert "pkg.a" in reachable(found, "pkg.a")


def import_alone(module: str) -> subprocess.CompletedProcess[str]:
    """``import module`` in a fresh interpreter: nothing of the package is imported before it."""
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=300)


def test_each_platform_part_imports_on_its_own() -> None:
    # One fresh interpreter per part (the parts that use aws_cdk each start its jsii runtime), three at a time.
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = dict(zip(PLATFORM_PARTS, pool.map(import_alone, PLATFORM_PARTS), strict=True))
    failed = {module: result.stderr[-2000:] for module, result in results.items() if result.returncode != 0}
    assert failed == {}


def test_a_part_that_cannot_import_on_its_own_is_reported() -> None:
    result = import_alone("sagemaker_hpo.no_such_part")
    assert result.returncode != 0 and "ModuleNotFoundError" in result.stderr


def _imported_modules(source: str, module: str) -> set[str]:
    """Every package module ``source`` names in an import, wherever it is (``TYPE_CHECKING`` blocks included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = module.split(".")[:-1] if node.level else []
            base = base[: len(base) - (node.level - 1)] if node.level else base
            target = ".".join(base + ([node.module] if node.module else []))
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_team_does_not_import_the_platform_at_all() -> None:
    """Not at run time, not under ``TYPE_CHECKING``: a team knows its platform through ``IHpoPlatform``."""
    imported = _imported_modules((PACKAGE / "team.py").read_text(encoding="utf-8"), "sagemaker_hpo.team")
    assert "sagemaker_hpo.platform" not in imported
    assert "sagemaker_hpo.platform_interface" in imported
    interface = _imported_modules(
        (PACKAGE / "platform_interface.py").read_text(encoding="utf-8"), "sagemaker_hpo.platform_interface"
    )
    assert not {"sagemaker_hpo.platform", "sagemaker_hpo.team"} & interface


def test_the_import_scan_sees_a_type_checking_import() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .platform import HpoPlatform\n"
    assert "sagemaker_hpo.platform" in _imported_modules(source, "sagemaker_hpo.team")


def test_the_platform_satisfies_the_interface_a_team_uses() -> None:
    """Every member of ``IHpoPlatform`` is an attribute of a defined ``HpoPlatform`` (mypy checks the types)."""
    import aws_cdk as cdk

    from sagemaker_hpo import HpoPlatform
    from sagemaker_hpo.platform_interface import IHpoPlatform

    platform = HpoPlatform(cdk.Stack(cdk.App(), "S"), "Platform")
    members = [name for name in vars(IHpoPlatform) if not name.startswith("_")]
    assert members and all(hasattr(platform, name) for name in members), members
    team = platform.add_team("vision")
    assert team.namespace == f"{platform.namespace}teams/vision/"


def test_the_public_names_are_listed_once_and_each_resolves_to_its_module() -> None:
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    literal_lists = [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.List, ast.Dict)) and len(getattr(n, "elts", getattr(n, "keys", []))) > 5
    ]
    assert literal_lists == [], "the public names are listed only in the TYPE_CHECKING block"
    names = sagemaker_hpo.__all__
    assert len(names) == len(set(names)) > 40
    assert names[0] == "__version__"
    for name in names[1:]:
        assert getattr(sagemaker_hpo, name) is not None, name  # the lazy import finds it in its module


def test_internals_are_not_public() -> None:
    for internal in ("RoleBinding", "GuardrailsAspect"):
        assert internal not in sagemaker_hpo.__all__
        with pytest.raises(ImportError):
            exec(f"from sagemaker_hpo import {internal}")  # noqa: S102 - the import statement users would write
