"""The default app through the real CDK CLI: ``cdk synth --strict`` fails on any warning or error annotation.

Warnings appear only when something is likely wrong (issue 12), so the default app must synthesize strictly. This is
the pinned CLI of ``package.json`` running ``cdk.json``'s app, exactly as ``make synth`` does.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CDK = ROOT / "node_modules" / ".bin" / "cdk"


@pytest.mark.slow
@pytest.mark.skipif(not CDK.exists(), reason="the CDK CLI is installed by `make install` (npm ci)")
def test_cdk_synth_strict_passes_on_the_default_app(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "true", "CDK_DISABLE_CLI_TELEMETRY": "true"}
    done = subprocess.run(
        [str(CDK), "synth", "--strict", "--quiet", "--no-notices", "--no-version-reporting", "-o", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"cdk synth --strict failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    assert {p.name for p in out.glob("*.template.json")} == {
        "HpoPlatform.template.json",
        "XgboostHyperband.template.json",
        "MlpHyperband.template.json",
        "Resnet20Hyperband.template.json",
    }
