"""The construct side of the construct/handler contract, and where the handler's asset lies.

The constants live in one module, ``contract`` of the tuning-job handler package (``lambda/tuning_job/contract.py`` in
the repository, ``sagemaker_hpo.handlers.tuning_job.contract`` once built or installed); it ships inside the Lambda
asset too, so the construct and the handler can never disagree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .handlers.tuning_job import contract

__all__ = ["contract", "handler_asset_dir"]

#: The package whose folder is the Lambda functions' asset (``lambda/`` in the repository).
HANDLERS_PACKAGE = "sagemaker_hpo.handlers"


def handler_asset_dir() -> Path:
    """The folder staged as the tuning-job functions' asset (the same files in a checkout and in a wheel install)."""
    folder = resources.files(HANDLERS_PACKAGE)
    path = Path(str(folder))
    if not (path / "tuning_job" / "index.py").is_file():  # pragma: no cover - only when an install is broken
        raise FileNotFoundError(f"the sagemaker-hpo handler package is incomplete: {path} has no tuning_job/index.py")
    return path
