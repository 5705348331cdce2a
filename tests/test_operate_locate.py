"""``status --app cdk.out --job Stack/Path``: the deployed job's name from the assembly and its stack.

The default app is synthesized once per session (``tests.platform_apps.default_app``, shared with other suites);
CloudFormation's DescribeStackResource and SageMaker are the local stand-in of tests/operate_support.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sagemaker_hpo.dryrun.assembly import read_assembly
from sagemaker_hpo.dryrun.cli import main as cli_main
from sagemaker_hpo.operate.locate import locate, stack_artifacts
from tests.dryrun_support import request, write_assembly
from tests.operate_support import StandIn, aws_env, serve
from tests.platform_apps import default_app

DEPLOYED = "mlp-hb-a1b2c3d4e5"


@pytest.fixture(scope="module")
def app_dir() -> Path:
    return Path(default_app().app.outdir)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    server = StandIn()
    server.add(DEPLOYED, 4)
    server.add("fixed-name-job", 2)
    with serve(server) as url:
        for key in list(os.environ):
            if key.startswith("AWS_"):
                monkeypatch.delenv(key)
        for key, value in aws_env(url).items():
            monkeypatch.setenv(key, value)
        yield server


def status_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    code = cli_main(["status", *argv, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    document: dict[str, Any] = json.loads(captured.out)
    return document


def test_the_generated_name_is_the_stacks_physical_id(
    app_dir: Path, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    job = read_assembly(app_dir).jobs[0]
    located = locate(app_dir, job.path)
    stack = next(s for s in stack_artifacts(app_dir) if s.artifact_id == job.stack)
    assert (located.stack_name, located.logical_id, located.fixed_name) == (stack.stack_name, job.logical_id, None)
    stand_in.stack_resources[(stack.stack_name, job.logical_id)] = DEPLOYED
    document = status_json(capsys, "--app", str(app_dir), "--job", job.path)
    assert document["name"] == DEPLOYED
    assert stand_in.calls["DescribeStackResource"] == 1


def test_a_stack_that_is_not_deployed_is_one_line(
    app_dir: Path, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    job = read_assembly(app_dir).jobs[0]
    assert cli_main(["status", "--app", str(app_dir), "--job", job.path]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: DescribeStackResource for ") and "does not exist" in err and err.count("\n") == 1


def test_a_resource_without_a_job_says_so(app_dir: Path, stand_in: StandIn, capsys: pytest.CaptureFixture[str]) -> None:
    job = read_assembly(app_dir).jobs[0]
    located = locate(app_dir, job.path)
    stand_in.stack_resources[(located.stack_name, job.logical_id)] = "failed/create of the tuning job"
    assert cli_main(["status", "--app", str(app_dir), "--job", job.path]) == 2
    assert "has no tuning job yet (resource status CREATE_COMPLETE)" in capsys.readouterr().err


def test_a_fixed_name_needs_no_cloudformation(
    tmp_path: Path, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = write_assembly(tmp_path / "cdk.out", request())
    template_file = folder / "Stack.template.json"
    template = json.loads(template_file.read_text())
    (resource,) = template["Resources"].values()
    resource["Properties"]["TuningJobName"] = "fixed-name-job"
    template_file.write_text(json.dumps(template))
    document = status_json(capsys, "--app", str(folder), "--job", "Stack/Job")
    assert document["name"] == "fixed-name-job" and stand_in.calls["DescribeStackResource"] == 0


def test_an_unknown_job_lists_the_assembly(
    app_dir: Path, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["status", "--app", str(app_dir), "--job", "NoSuch/Job"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no tuning job 'NoSuch/Job' in ") and "Traceback" not in err
