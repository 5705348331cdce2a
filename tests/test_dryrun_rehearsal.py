"""The dry run rehearses the default app's MLP job with the real packaged program, as ``make dry-run`` does.

Its own file (apart from test_dryrun_assembly.py), so that a parallel run (``--dist loadfile``) can give its ten trial
processes a worker of their own. The app comes from ``tests.platform_apps.default_app``, synthesized once per test
process and shared with the other suites.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sagemaker_hpo.dryrun.assembly import Assembly, read_assembly
from sagemaker_hpo.dryrun.cli import main
from tests.platform_apps import default_app


@pytest.fixture(scope="module")
def assembly() -> Assembly:
    synthesized = default_app()
    return read_assembly(Path(synthesized.app.outdir))


@pytest.mark.slow
def test_the_mlp_job_rehearses_with_the_real_program(assembly: Assembly, tmp_path: Path) -> None:
    # The packaged train.py under the contract: checks (regexes once per epoch, every range end trains), then a
    # one-trial search. Each trial is mostly the start of a Python process importing PyTorch.
    args = ["--job", "MlpHyperband/MlpTuning", "--max-jobs", "1", "--max-epochs", "2", "--parallel", "2"]
    code = main(
        ["dry-run", "--app", str(assembly.directory), *args, "--out", str(tmp_path), "--quiet", "--runner", "python"]
    )
    report = json.loads((tmp_path / "report.json").read_text())
    assert [f for f in report["checks"]["findings"] if f["severity"] == "error"] == []
    assert code == 0
    assert len(report["checks"]["trials"]) == 9 and all(t["state"] == "completed" for t in report["checks"]["trials"])
    assert report["search"]["trials_run"] == 1 and (tmp_path / "plot.png").exists()
