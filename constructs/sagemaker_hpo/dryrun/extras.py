"""The optional ``dryrun`` extra (Optuna, matplotlib, rich): imported only when used, with a clear message if missing."""

from __future__ import annotations

import importlib
from types import ModuleType

#: The install command printed when a package of the extra is missing.
INSTALL_HINT = "pip install 'sagemaker-hpo-cdk[dryrun]'"
#: The import names of the extra's packages.
EXTRA_MODULES = ("optuna", "matplotlib", "rich")


class MissingExtraError(RuntimeError):
    """A package of the ``dryrun`` extra is not installed."""


def require(module: str) -> ModuleType:
    """Import ``module`` (a package of the ``dryrun`` extra), or raise :class:`MissingExtraError` saying what to install.

    :param module: the import name, e.g. ``optuna`` or ``matplotlib.pyplot``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        top = module.split(".")[0]
        raise MissingExtraError(
            f"sagemaker-hpo dry-run needs {top}, which is not installed: {INSTALL_HINT} ({err})"
        ) from None


def check_all() -> None:
    """Raise :class:`MissingExtraError` naming every missing package of the extra at once."""
    missing = []
    for module in EXTRA_MODULES:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingExtraError(f"sagemaker-hpo dry-run needs {', '.join(missing)}, not installed: {INSTALL_HINT}")
