"""The construct side of the construct/handler contract.

The constants live in one file, ``lambda/tuning_job/contract.py``, which ships inside the Lambda asset; this module
loads that very file by path so the two sides can never disagree.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

#: The folder of the tuning-job handler, shipped with ``Code.from_asset``.
HANDLER_DIR = Path(__file__).resolve().parents[2] / "lambda" / "tuning_job"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sagemaker_hpo_handler_contract", HANDLER_DIR / "contract.py")
    if spec is None or spec.loader is None:  # pragma: no cover - only when the checkout is broken
        raise ImportError(f"cannot load the handler contract from {HANDLER_DIR}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


contract = _load()
