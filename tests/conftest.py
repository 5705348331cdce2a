"""Shared test setup: quiet jsii, caches inside the project, the project root on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_RUNTIME_PACKAGE_CACHE_ROOT", str(ROOT / ".cache" / "jsii"))
os.environ.setdefault("CDK_HOME", str(ROOT / ".cdk-home"))
# aws-cdk-lib writes an asset fingerprint cache under os.homedir() with no override: keep it inside the project.
_home = ROOT / ".cache" / "home"
# Under pytest-xdist (``make test`` runs ``-n``), each worker gets its own home and CDK home, so that no two processes
# write one cache file at once. The jsii package cache stays shared: the jsii runtime locks it while it extracts.
_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _home = _home / _worker
    os.environ["CDK_HOME"] = str(Path(os.environ["CDK_HOME"]) / _worker)
_home.mkdir(parents=True, exist_ok=True)
os.environ["HOME"] = str(_home)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Tests synthesize environment-agnostic stacks, whatever the shell that runs them has set.
for _variable in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION", "CDK_DEPLOY_ACCOUNT", "CDK_DEPLOY_REGION"):
    os.environ.pop(_variable, None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``slow`` tests first (a stable sort: the order within each kind stays the collection's).

    ``make test`` hands whole files to the pytest-xdist workers in the order of their first test. The longest files
    (the wheel installs, the dry run's rehearsal, the training program's runs) came last alphabetically, so one
    worker ran them alone at the end while the other was idle; started first, they run beside the short ones.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
