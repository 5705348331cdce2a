"""Which stacks import a platform (``HpoPlatform.from_parameters``): their tuning jobs must name its provider."""

from __future__ import annotations

import weakref

from aws_cdk import Stack

#: The construct paths of the platforms each stack imports.
_IMPORTS: weakref.WeakKeyDictionary[Stack, list[str]] = weakref.WeakKeyDictionary()


def register_platform_import(stack: Stack, path: str) -> None:
    """Record that ``stack`` imports a platform at ``path``."""
    _IMPORTS.setdefault(stack, []).append(path)


def platform_imports(stack: Stack) -> list[str]:
    """The construct paths of the platforms ``stack`` imports (empty when none)."""
    return list(_IMPORTS.get(stack, []))
