"""Every public construct and value type documents each keyword where ``help()`` and IDEs look for it.

Constructs: ``help(Cls.__init__)`` shows ``__init__``'s own docstring (not the base ``Construct`` text), with a Sphinx
``:param name:`` line per keyword and the default of each optional one. Dataclass value types: the class docstring
holds those lines (their generated ``__init__`` has none).
"""

from __future__ import annotations

import dataclasses
import inspect
import re

import pytest
from constructs import Construct

import sagemaker_hpo

SKIPPED_PARAMETERS = {"self", "scope", "construct_id", "id", "kwargs", "args"}


def _public_classes() -> list[type]:
    classes = []
    for name in sagemaker_hpo.__all__:
        value = getattr(sagemaker_hpo, name)
        if inspect.isclass(value) and value.__module__.startswith("sagemaker_hpo") and not issubclass(value, str):
            classes.append(value)
    return classes


def _documented(cls: type) -> tuple[str, inspect.Signature]:
    if issubclass(cls, Construct):
        assert "__init__" in vars(cls), f"{cls.__name__} has no __init__ of its own"
        init = vars(cls)["__init__"]
        return inspect.getdoc(init) or "", inspect.signature(init)
    if dataclasses.is_dataclass(cls):
        return inspect.getdoc(cls) or "", inspect.signature(cls)
    init = vars(cls).get("__init__")
    if init is None:
        return "", inspect.Signature()
    return inspect.getdoc(init) or inspect.getdoc(cls) or "", inspect.signature(init)


def _param_text(doc: str, name: str) -> str | None:
    match = re.search(rf":param {re.escape(name)}:(.*?)(?=\n:param |\n:raises|\Z)", doc, re.DOTALL)
    return match.group(1) if match else None


@pytest.mark.parametrize("cls", _public_classes(), ids=lambda cls: cls.__name__)
def test_each_keyword_is_documented_with_its_default(cls: type) -> None:
    doc, signature = _documented(cls)
    parameters = [
        p for p in signature.parameters.values() if p.name not in SKIPPED_PARAMETERS and not p.name.startswith("_")
    ]
    if not parameters:
        return
    if issubclass(cls, Construct):
        assert "Creates a new construct node" not in doc
    missing = [p.name for p in parameters if _param_text(doc, p.name) is None]
    assert not missing, f"{cls.__name__}: no ':param name:' line for {missing}"
    no_default = [
        p.name
        for p in parameters
        if p.default is not inspect.Parameter.empty and "default" not in (_param_text(doc, p.name) or "").lower()
    ]
    assert not no_default, f"{cls.__name__}: optional keywords without their default documented: {no_default}"


def test_public_base_types_are_exported() -> None:
    for name in ("Strategy", "ParameterRange", "AnyTuningJobProvider", "__version__"):
        assert name in sagemaker_hpo.__all__
    assert not sagemaker_hpo.Strategy.__name__.startswith("_")
