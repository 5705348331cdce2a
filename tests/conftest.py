"""Shared test setup: quiet jsii, caches inside the project, the project root on sys.path."""

from __future__ import annotations

import os
import sys
from pathlib import Path

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
