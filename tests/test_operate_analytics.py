"""``sagemaker-hpo analytics JOB --out FILE.csv`` against the local SageMaker stand-in (tests/operate_support.py)."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sagemaker_hpo.dryrun.cli import main as cli_main
from tests.operate_support import StandIn, aws_env, serve

JOB = "exp2-random"
SDK_COLUMNS = [
    "TrainingJobName",
    "TrainingJobStatus",
    "FinalObjectiveValue",
    "TrainingStartTime",
    "TrainingEndTime",
    "TrainingElapsedTimeSeconds",
]


@pytest.fixture
def sagemaker(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    server = StandIn(page_size=10)
    server.add(JOB, 23, strategy="Random")
    with serve(server) as url:
        for key in list(os.environ):
            if key.startswith("AWS_"):
                monkeypatch.delenv(key)
        for key, value in aws_env(url).items():
            monkeypatch.setenv(key, value)
        yield server


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def test_one_row_per_training_job_with_the_sdk_columns(
    sagemaker: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "analytics.csv"
    assert cli_main(["analytics", JOB, "--out", str(out)]) == 0
    assert f"{out}: 23 training jobs of {JOB} (Completed)" in capsys.readouterr().out
    header, rows = read(out)
    # The SDK's order: tuned hyperparameters, its columns; then billable time, instances and static hyperparameters.
    assert header == [
        "learning_rate",
        "batch_size",
        *SDK_COLUMNS,
        "BillableTimeInSeconds",
        "InstanceCount",
        "InstanceType",
        "epochs",
        "optimizer",
    ]
    assert len(rows) == 23 and sagemaker.calls["ListTrainingJobsForHyperParameterTuningJob"] == 3
    first = rows[0]
    assert first["TrainingJobName"] == f"{JOB}-000-abcdef12"
    assert first["TrainingJobStatus"] == "Completed"
    assert float(first["FinalObjectiveValue"]) == pytest.approx(0.5)
    assert first["TrainingStartTime"] == "2026-01-01T00:00:00+00:00"
    assert first["TrainingEndTime"] == "2026-01-01T00:05:00+00:00"
    assert float(first["TrainingElapsedTimeSeconds"]) == 300
    assert first["BillableTimeInSeconds"] == "300" and first["InstanceCount"] == "2"
    assert (first["learning_rate"], first["batch_size"], first["epochs"], first["optimizer"]) == (
        "0.0010",
        "32",
        "20",
        "adam",
    )
    failed = rows[10]
    assert failed["TrainingJobStatus"] == "Failed" and failed["FinalObjectiveValue"] == ""
    assert "pandas" not in sys.modules


def test_several_definitions_add_the_definition_column(sagemaker: StandIn, tmp_path: Path) -> None:
    for index, entry in enumerate(sagemaker.trainings[JOB]):
        entry["summary"]["TrainingJobDefinitionName"] = "small" if index % 2 else "large"
    out = tmp_path / "analytics.csv"
    assert cli_main(["analytics", JOB, "--out", str(out)]) == 0
    header, rows = read(out)
    assert header[header.index("TrainingElapsedTimeSeconds") + 1] == "TrainingJobDefinitionName"
    assert [row["TrainingJobDefinitionName"] for row in rows[:2]] == ["large", "small"]


def test_analytics_of_a_missing_job_is_one_line(
    sagemaker: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "analytics.csv"
    assert cli_main(["analytics", "nope", "--out", str(out)]) == 2
    assert capsys.readouterr().err == "error: no tuning job named 'nope' in this account and region\n"
    assert not out.exists()


def test_an_unwritable_output_is_one_line(
    sagemaker: StandIn, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli_main(["analytics", JOB, "--out", str(blocker / "analytics.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write ") and "Traceback" not in err and err.count("\n") == 1
