"""The dry run's pieces on their own: request reading, strategy mapping, metric checks, budget, extras, imports."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from sagemaker_hpo.dryrun import extras
from sagemaker_hpo.dryrun.assembly import BUILTIN_REPOSITORIES, AssemblyError, job_path, read_assembly
from sagemaker_hpo.dryrun.builtin import builtin_findings
from sagemaker_hpo.dryrun.checks import budget, plan_check_trials
from sagemaker_hpo.dryrun.cli import main
from sagemaker_hpo.dryrun.job import JobSpec, MetricDefinition, ParameterRange, job_spec_from_request
from sagemaker_hpo.dryrun.metrics import MetricReader, check_once_per_epoch
from sagemaker_hpo.dryrun.strategy import (
    distributions,
    grid_size,
    hyperparameters_from_params,
    pruner,
    rungs,
    sampler,
)
from tests.dryrun_support import request, write_assembly

RANGES = {
    "IntegerParameterRanges": [{"Name": "units", "MinValue": "10", "MaxValue": "1000", "ScalingType": "Logarithmic"}],
    "ContinuousParameterRanges": [
        {"Name": "lr", "MinValue": "0.0001", "MaxValue": "0.1", "ScalingType": "Logarithmic"},
        {"Name": "momentum", "MinValue": "0.01", "MaxValue": "0.99", "ScalingType": "ReverseLogarithmic"},
        {"Name": "dropout", "MinValue": "0", "MaxValue": "0.5", "ScalingType": "Linear"},
    ],
    "CategoricalParameterRanges": [{"Name": "act", "Values": ["relu", "tanh"]}],
}


def test_request_is_read_with_the_resource_inferred_from_epochs() -> None:
    spec = job_spec_from_request("Stack/Job", request(ranges=RANGES, static={"epochs": "50"}, max_jobs=50, parallel=5))
    assert (spec.strategy, spec.min_resource, spec.max_resource, spec.resource_hyperparameter) == (
        "Hyperband",
        1,
        50,
        "epochs",
    )
    assert [(r.name, r.kind, r.scaling) for r in spec.ranges] == [
        ("units", "integer", "Logarithmic"),
        ("lr", "continuous", "Logarithmic"),
        ("momentum", "continuous", "ReverseLogarithmic"),
        ("dropout", "continuous", "Linear"),
        ("act", "categorical", "Auto"),
    ]
    assert (spec.max_jobs, spec.max_parallel_jobs, spec.max_runtime_seconds) == (50, 5, 1800)


def test_ranges_map_onto_optuna_with_their_scaling() -> None:
    spec = job_spec_from_request("Stack/Job", request(ranges=RANGES))
    dists = distributions(spec.ranges)
    assert dists["units"] == optuna.distributions.IntDistribution(10, 1000, log=True)
    assert dists["lr"] == optuna.distributions.FloatDistribution(0.0001, 0.1, log=True)
    assert dists["dropout"] == optuna.distributions.FloatDistribution(0, 0.5)
    assert dists["act"] == optuna.distributions.CategoricalDistribution(["relu", "tanh"])
    # Reverse-logarithmic: log-uniform in 1 - value, so values near the upper end are dense.
    reverse = dists["momentum:1-x"]
    assert reverse.log and reverse.low == pytest.approx(0.01) and reverse.high == pytest.approx(0.99)
    values = hyperparameters_from_params(
        spec.ranges, {"units": 12, "lr": 0.01, "momentum:1-x": 0.05, "dropout": 0.25, "act": "tanh"}
    )
    assert values == {"units": "12", "lr": "0.01", "momentum": "0.95", "dropout": "0.25", "act": "tanh"}
    samples = [
        float(hyperparameters_from_params(spec.ranges[2:3], {"momentum:1-x": v})["momentum"]) for v in (0.01, 0.1)
    ]
    assert samples == pytest.approx([0.99, 0.9])


def test_each_strategy_gets_its_sampler_and_pruner() -> None:
    def spec_for(strategy: str, early: str = "Off") -> JobSpec:
        raw = request(strategy=strategy)
        raw["HyperParameterTuningJobConfig"]["TrainingJobEarlyStoppingType"] = early
        if strategy == "Grid":
            raw["HyperParameterTuningJobConfig"]["ParameterRanges"] = {
                "IntegerParameterRanges": [{"Name": "n", "MinValue": "1", "MaxValue": "3", "ScalingType": "Linear"}],
                "CategoricalParameterRanges": [{"Name": "k", "Values": ["a", "b"]}],
            }
        return job_spec_from_request("S/J", raw)

    hyperband = spec_for("Hyperband")
    assert isinstance(sampler(hyperband, 0), optuna.samplers.RandomSampler)
    assert isinstance(pruner(hyperband), optuna.pruners.SuccessiveHalvingPruner)
    assert isinstance(sampler(spec_for("Bayesian"), 0), optuna.samplers.TPESampler)
    assert isinstance(sampler(spec_for("Random"), 0), optuna.samplers.RandomSampler)
    assert isinstance(pruner(spec_for("Random")), optuna.pruners.NopPruner)
    assert isinstance(pruner(spec_for("Bayesian", "Auto")), optuna.pruners.MedianPruner)
    grid = spec_for("Grid")
    assert isinstance(sampler(grid, 0), optuna.samplers.GridSampler)
    assert grid_size(grid.ranges) == 6


def test_budget_holds_the_instance_hours_ceiling_and_hyperbands_epochs() -> None:
    spec = job_spec_from_request("S/J", request(static={"epochs": "50"}, max_jobs=50, parallel=5))
    summary = budget(spec)
    assert summary["instance_hours_ceiling"] == 25.0  # 50 jobs x 1 instance x 1800 s
    assert summary["hyperband"]["rungs"] == rungs(spec) == [1, 3, 9, 27]
    assert summary["hyperband"]["epochs_ceiling"] == 2500
    # 50 jobs reach epoch 1, a third of them epoch 3, a ninth epoch 9, ...
    expected = 50 * 1 + 50 / 3 * 2 + 50 / 9 * 6 + 50 / 27 * 18 + 50 / 81 * 23
    assert summary["hyperband"]["epochs_if_a_third_continues_at_each_rung"] == math.ceil(expected)


def test_check_trials_cover_each_range_end_with_the_others_in_the_middle() -> None:
    spec = job_spec_from_request("S/J", request(ranges=RANGES, static={"epochs": "50"}))
    plan = dict(plan_check_trials(spec))
    baseline = plan.pop("baseline (every range at its middle)")
    assert (
        baseline["epochs"] == "2"
        and baseline["units"] == "100"
        and float(baseline["lr"]) == pytest.approx(0.00316, rel=1e-2)
    )
    assert plan["lr at its maximum 0.1"] == {**baseline, "lr": "0.1", "epochs": "1"}
    assert plan["units at its minimum 10"]["units"] == "10"
    assert {"act at its value relu", "act at its value tanh"} <= set(plan)
    assert len(plan) == 2 * 4 + 2


DEFINITIONS = (MetricDefinition("train:loss", r"train:loss=([0-9.]+)"), MetricDefinition("acc", r"acc=([0-9.]+)"))
LOG = ["starting", "epoch=1/2 train:loss=0.5 acc=0.7", "epoch=2/2 train:loss=0.4 acc=0.8", "done"]


def test_regexes_matching_once_per_epoch_pass_and_say_what_they_matched() -> None:
    findings = check_once_per_epoch(DEFINITIONS, LOG, 2)
    assert [(f.metric, f.severity, f.message) for f in findings] == [
        ("train:loss", "info", "matched 2 of 2 epochs, e.g. '" + LOG[2] + "' -> 0.4"),
        ("acc", "info", "matched 2 of 2 epochs, e.g. '" + LOG[2] + "' -> 0.8"),
    ]
    assert MetricReader(DEFINITIONS).read(LOG[1]) == {"train:loss": 0.5, "acc": 0.7}


def test_a_regex_that_never_matches_is_an_error_quoting_the_nearest_real_line() -> None:
    log = ["starting", "epoch=1/2 loss=0.5 val_acc=0.7", "epoch=2/2 loss=0.4 val_acc=0.8", "done"]
    definitions = (MetricDefinition("loss", r"loss=([0-9.]+)"), MetricDefinition("acc", r"validation:acc=([0-9.]+)"))
    (finding,) = [f for f in check_once_per_epoch(definitions, log, 2) if f.severity == "error"]
    assert finding.metric == "acc" and "never matches" in finding.message
    assert finding.message.endswith("the nearest line, which it does not match: 'epoch=1/2 loss=0.5 val_acc=0.7'")
    assert finding.lines == ("epoch=1/2 loss=0.5 val_acc=0.7",)
    # Nothing like the regex in the output: the line of an epoch (the one the other regexes read) is shown.
    (finding,) = [
        f
        for f in check_once_per_epoch((*DEFINITIONS, MetricDefinition("f1", r"f1=([0-9.]+)")), LOG, 2)
        if f.severity == "error"
    ]
    assert finding.metric == "f1" and finding.lines == (LOG[1],)


def test_a_regex_that_also_matches_another_line_is_an_error_showing_that_line() -> None:
    log = [*LOG[:3], "FAILED: diverged (train:loss=0.9)"]
    (finding,) = [f for f in check_once_per_epoch(DEFINITIONS, log, 2) if f.severity != "info"]
    assert (finding.metric, finding.severity) == ("train:loss", "error")
    assert "matches 3 lines in 2 epochs" in finding.message and finding.lines == ("FAILED: diverged (train:loss=0.9)",)


def test_job_paths_drop_the_inner_ids() -> None:
    assert job_path("MlpHyperband/MlpTuning/Resource") == "MlpHyperband/MlpTuning"  # the job's L1 resource
    assert (
        job_path("MlpHyperband/MlpTuning/Resource/Default") == "MlpHyperband/MlpTuning"
    )  # 0.1: an L2 resource's child
    assert job_path("Stage/Stack/Job/Default") == "Stage/Stack/Job"


def test_selection_by_path_id_and_logical_id_and_a_listing_when_missing(tmp_path: Path) -> None:
    assembly = read_assembly(write_assembly(tmp_path, request()))
    assert assembly.select("Stack/Job").path == "Stack/Job"
    assert assembly.select("Job").path == "Stack/Job"
    assert assembly.select("JobABCD1234").path == "Stack/Job"
    assert assembly.select(None).path == "Stack/Job"  # the only job
    with pytest.raises(AssemblyError, match=r"no tuning job 'Other'.*\n  Stack/Job  \(Hyperband"):
        assembly.select("Other")
    source = assembly.program_source(assembly.select("Job"))
    assert source.kind == "directory" and source.directory == (tmp_path / f"asset.{'ab' * 32}").resolve()


def test_a_missing_assembly_is_a_clear_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dry-run", "--app", str(tmp_path / "nothing")]) == 2
    assert "is not a cloud assembly (run `make synth`" in capsys.readouterr().err


def test_builtin_xgboost_ranges_and_metric_are_checked() -> None:
    raw = request(
        ranges={
            "ContinuousParameterRanges": [
                {"Name": "eta", "MinValue": "0", "MaxValue": "2", "ScalingType": "Auto"},
                {"Name": "learning_rate", "MinValue": "0", "MaxValue": "1", "ScalingType": "Auto"},
            ]
        },
        static={"num_round": "100"},
    )
    raw["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"] = "validation:acc"
    spec = job_spec_from_request("S/J", raw)
    errors = [f.message for f in builtin_findings(spec, "xgboost", "xgboost:1.7-1") if f.severity == "error"]
    assert any("objective validation:acc is not a metric xgboost emits" in m for m in errors)
    assert any("hyperparameter learning_rate is not one xgboost accepts" in m for m in errors)
    assert any("hyperparameter epochs is not one xgboost accepts" in m for m in errors)
    assert any("range eta 0.0..2.0 leaves what xgboost accepts (0..1)" in m for m in errors)


def test_other_builtins_have_their_objective_checked_from_the_shipped_data() -> None:
    assert {r: BUILTIN_REPOSITORIES[r] for r in ("sagemaker-xgboost", "xgboost", "linear-learner", "seq2seq")} == {
        "sagemaker-xgboost": "xgboost",
        "xgboost": "xgboost",
        "linear-learner": "linear-learner",
        "seq2seq": "seq2seq",
    }
    raw = request(static={"predictor_type": "regressor"})
    raw["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"] = "validation:objective_los"
    spec = job_spec_from_request("S/J", raw)
    findings = builtin_findings(spec, "linear-learner", "linear-learner:1")
    assert "only its objective metric is checked" in findings[0].message
    (error,) = [f.message for f in findings if f.severity == "error"]
    assert error.startswith("objective validation:objective_los is not a metric linear-learner emits")
    raw["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"] = "validation:objective_loss"
    findings = builtin_findings(job_spec_from_request("S/J", raw), "linear-learner", "linear-learner:1")
    assert [f.severity for f in findings] == ["info"]


def test_importing_the_dry_run_loads_neither_aws_cdk_nor_the_extra() -> None:
    code = (
        "import sys, sagemaker_hpo, sagemaker_hpo.dryrun.cli, sagemaker_hpo.dryrun.compare;"
        "print(sorted(m for m in ('aws_cdk', 'jsii', 'optuna', 'matplotlib', 'rich') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


def test_a_missing_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = extras.importlib.import_module

    def without_optuna(name: str, package: str | None = None) -> object:
        if name.split(".")[0] == "optuna":
            raise ImportError("No module named 'optuna'")
        return real(name, package)

    monkeypatch.setattr(extras.importlib, "import_module", without_optuna)
    with pytest.raises(extras.MissingExtraError, match=r"needs optuna.*pip install 'sagemaker-hpo-cdk\[dryrun\]'"):
        extras.require("optuna")
    assert main(["dry-run", "--app", "cdk.out"]) == 2
    assert "pip install 'sagemaker-hpo-cdk[dryrun]'" in capsys.readouterr().err


def test_ranges_center_in_their_scaling() -> None:
    assert ParameterRange("a", "continuous", 1e-6, 1.0, scaling="Logarithmic").center() == repr(0.001)
    assert ParameterRange("b", "integer", 10, 200).center() == "105"
    # The middle of 1 - value on a log scale: sqrt(0.99 * 0.01) below 1.
    reverse = ParameterRange("m", "continuous", 0.01, 0.99, scaling="ReverseLogarithmic")
    assert float(reverse.center()) == pytest.approx(1 - math.sqrt(0.99 * 0.01))


def test_time_and_epochs_to_a_target_count_every_trials_epochs_until_then() -> None:
    from sagemaker_hpo.dryrun.compare import epochs_to_target
    from sagemaker_hpo.dryrun.report import best_trial, time_to_target
    from sagemaker_hpo.dryrun.trials import EpochValue, TrialRecord

    first = TrialRecord(0, "a", "search", "trial 0", {}, state="completed")
    first.curve = [EpochValue(1, 1.0, 0.90), EpochValue(2, 2.0, 0.97), EpochValue(3, 3.0, 0.95)]
    second = TrialRecord(1, "b", "search", "trial 1", {}, state="stopped")
    second.curve = [EpochValue(1, 1.5, 0.80)]
    reached = time_to_target([first, second], 0.96, maximize=True)
    assert reached is not None and (reached.seconds, reached.epochs, reached.trial) == (2.0, 3, 0)
    assert time_to_target([first, second], 0.99, maximize=True) is None
    assert epochs_to_target([first, second], 0.96, maximize=True) == 3  # wall-clock runs: in arrival order
    # The best trial is judged by its final value, as SageMaker judges a training job.
    assert best_trial([first, second], maximize=True) is first and first.final_value == 0.95
