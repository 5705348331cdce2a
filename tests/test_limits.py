"""CloudFormation's per-stack limits: a stack of tuning jobs that would exceed them fails synthesis with a clear error,
one close to them warns, a normal one passes; the count comes from the construct tree and the size from the written
template, through public CDK interfaces only."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Annotations, Match

import sagemaker_hpo
from sagemaker_hpo import ImportedTuningJobProvider, Objective, TrainingRole
from sagemaker_hpo.limits import (
    LIMITS_ID,
    MAX_RESOURCES,
    MAX_TEMPLATE_BYTES,
    PLUGIN_NAME,
    RESOURCES_RULE_ID,
    TEMPLATE_RULE_ID,
    WARNING_FRACTION,
    WARNING_ID,
    StackLimits,
    StackUsage,
    check_usage,
)
from tests.construct_support import custom_training, job, new_stack, training

#: One static hyperparameter value at SageMaker's limit (2,500 characters); 45 of them make a job of about 117 KB,
#: which an Update event (old and new properties) still carries within the waiter's input limit (HPO-EVENT-010).
BIG_VALUE = "x" * 2500


def _big_job(stack: cdk.Stack, construct_id: str, role: TrainingRole) -> None:
    hyperparameters = {f"h{i}": BIG_VALUE for i in range(45)}
    # A custom image: built-in XGBoost refuses hyperparameters it does not know (HPO-ALGO-001).
    job(
        stack,
        construct_id,
        objective=Objective.maximize("validation:accuracy"),
        training=custom_training(stack, role=role, static_hyperparameters=hyperparameters),
    )


def _limit_warnings(stack: cdk.Stack) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(".*"))
    return [str(w.entry.data) for w in found if WARNING_ID in str(w.entry.data)]


def _written_template(stack: cdk.Stack) -> Path:
    assembly = cdk.Stage.of(stack).synth()  # type: ignore[union-attr]
    return Path(assembly.get_stack_by_name(stack.stack_name).template_full_path)


def _report_violations(template: Path) -> list[dict[str, object]]:
    """The violations the plugin reported in the validation report the CDK writes beside the templates."""
    report = json.loads((template.parent / "validation-report.json").read_text())
    return [
        violation
        for plugin in report["pluginReports"]
        if plugin["pluginName"] == PLUGIN_NAME
        for violation in plugin["violations"]
    ]


def test_normal_stack_passes_and_the_measure_is_the_written_template() -> None:
    stack = new_stack("Normal")
    role = TrainingRole(stack, "Role")
    for index in range(3):
        job(stack, f"Job{index}", training=training(role=role))
    limits = StackLimits.of(stack)
    path = _written_template(stack)  # synthesis runs the checks: no error
    assert limits.template_path == path
    usage = limits.usage(template=path)
    template = json.loads(path.read_text())
    assert usage.stack == "Normal"
    assert usage.resources == len(template["Resources"])
    assert usage.tuning_jobs == 3
    assert usage.template_bytes == path.stat().st_size
    jobs = [
        json.dumps({"Resources": {key: body}}, indent=1)
        for key, body in template["Resources"].items()
        if body["Type"] == "Custom::SageMakerHyperParameterTuningJob"
    ]
    exact = sum(len(text) - len(json.dumps({"Resources": {}}, indent=1)) for text in jobs)
    assert usage.tuning_job_bytes == exact
    assert limits.usage().template_bytes is None  # not measured without the written template
    assert _report_violations(path) == []
    assert _limit_warnings(stack) == []


def test_one_check_per_stack_and_one_plugin_per_stage_also_without_a_local_provider() -> None:
    stack = new_stack("Imported")
    other = cdk.Stack(cdk.App.of(stack), "Other")  # type: ignore[arg-type]
    provider = ImportedTuningJobProvider(
        service_token="arn:aws:lambda:us-east-1:123456789012:function:platform", name_prefix="platform1234"
    )
    role = iam.Role.from_role_arn(stack, "PlatformRole", "arn:aws:iam::123456789012:role/platform", mutable=False)
    job(stack, "A", provider=provider, training=training(role=role))
    job(stack, "B", provider=provider, training=training(role=role), max_jobs=12)
    StackLimits.of(other)
    checks = [child for child in stack.node.children if isinstance(child, StackLimits)]
    assert [c.node.id for c in checks] == [LIMITS_ID]
    assert checks[0].usage().tuning_jobs == 2
    holders = [child for child in cdk.App.of(stack).node.children if child.node.id == LIMITS_ID]  # type: ignore[union-attr]
    assert len(holders) == 1


def test_the_library_reads_no_private_member_of_the_cdk_or_jsii() -> None:
    package = Path(sagemaker_hpo.__file__).parent
    private = ("_render_properties", "_cfn_properties", "__jsii_ref__", "${Token[", "#{Token[")
    found = [
        f"{path.relative_to(package)}: {name}"
        for path in sorted(package.rglob("*.py"))
        for name in private
        if name in path.read_text()
    ]
    assert found == []


def test_too_many_resources_fail_synthesis_with_a_clear_error() -> None:
    stack = new_stack("Crowded")
    job(stack, "Job")
    for index in range(MAX_RESOURCES):
        cdk.CfnWaitConditionHandle(stack, f"Filler{index}")
    with pytest.raises(RuntimeError) as raised:
        cdk.App.of(stack).synth()  # type: ignore[union-attr]
    message = str(raised.value)
    assert "Stack 'Crowded' is too large to deploy" in message
    assert "resources exceed CloudFormation's limit of 500 resources per stack" in message
    assert "1 tuning job(s)" in message
    assert "Split the tuning jobs across stacks" in message
    assert f"[{RESOURCES_RULE_ID}]" in message


def test_a_stack_above_80_percent_of_the_resource_limit_warns_and_still_synthesizes() -> None:
    stack = new_stack("Busy")
    job(stack, "Job")
    for index in range(int(WARNING_FRACTION * MAX_RESOURCES)):
        cdk.CfnWaitConditionHandle(stack, f"Filler{index}")
    _written_template(stack)
    (warning,) = _limit_warnings(stack)
    assert "Stack 'Busy' uses 8" in warning and "resources per stack" in warning
    assert "1 tuning job(s)" in warning and f"[{RESOURCES_RULE_ID}]" in warning


def test_too_large_a_template_fails_synthesis_with_a_clear_error() -> None:
    stack = new_stack("Heavy")
    role = TrainingRole(stack, "Role")
    for index in range(10):
        _big_job(stack, f"Job{index}", role)
    with pytest.raises(RuntimeError) as raised:
        cdk.App.of(stack).synth()  # type: ignore[union-attr]
    message = str(raised.value)
    assert "Stack 'Heavy' is too large to deploy" in message
    assert f"template bytes exceed CloudFormation's limit of {MAX_TEMPLATE_BYTES:,} bytes" in message
    assert "10 tuning job(s), each 1 resource of about" in message
    assert "one stack per team or experiment" in message
    assert f"[{TEMPLATE_RULE_ID}]" in message


def test_a_template_above_80_percent_of_the_size_limit_warns_and_still_synthesizes() -> None:
    stack = new_stack("Close")
    role = TrainingRole(stack, "Role")
    for index in range(8):  # about 935 KB of 1 MB
        _big_job(stack, f"Job{index}", role)
    path = _written_template(stack)
    size = path.stat().st_size
    assert 0.8 * MAX_TEMPLATE_BYTES < size < MAX_TEMPLATE_BYTES
    (violation,) = _report_violations(path)
    assert violation["severity"] == "warning" and violation["ruleName"] == TEMPLATE_RULE_ID
    description = str(violation["description"])
    assert (
        f"Stack 'Close' uses {size / MAX_TEMPLATE_BYTES:.0%}" in description
        and f"({size:,} template bytes)" in description
    )
    assert "8 tuning job(s)" in description and "Split the tuning jobs" in description


@pytest.mark.parametrize(
    ("resources", "size", "errors", "warnings"),
    [
        (100, 300_000, 0, 0),
        (400, 800_000, 0, 0),  # exactly 80%: no warning yet
        (401, 100_000, 0, 1),
        (100, 800_001, 0, 1),
        (500, 1_000_000, 0, 2),  # at the limits: allowed, with warnings
        (501, 100_000, 1, 0),
        (100, 1_000_001, 1, 0),
        (600, None, 1, 0),  # the size is not estimated beyond the resource limit
    ],
)
def test_thresholds(resources: int, size: int | None, errors: int, warnings: int) -> None:
    report = check_usage(StackUsage("S", resources, size, tuning_jobs=10, tuning_job_bytes=30_000))
    assert (len(report.errors), len(report.warnings)) == (errors, warnings)
    for text in report.errors + report.warnings:
        assert text.startswith("Stack 'S' ") and "10 tuning job(s)" in text
