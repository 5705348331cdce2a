"""Events and long waits of ``TuningJob``: ``on_state_change`` rules, the WaitCondition pair, the waiter's wiring
and permissions, and cdk-nag/cfn-lint over an app that uses them (synthesized once)."""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
import botocore.session
import pytest
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from sagemaker_hpo import Bayesian, TuningJob, TuningJobStatus, WarmStart
from sagemaker_hpo._contract import contract
from sagemaker_hpo.handlers.job_waiter import contract as waiter_contract
from tests.construct_support import job, new_stack, resources_of_type
from tests.template_checks import cfn_lint_errors, nag_findings, new_app, synth_templates, template_paths

HOURS_3 = cdk.Duration.hours(3)
EVENT_DETAIL_TYPE = "SageMaker HyperParameter Tuning Job State Change"


def template_of(stack: cdk.Stack) -> dict[str, Any]:
    return dict(Template.from_stack(stack).to_json())


def only(template: dict[str, Any], resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = resources_of_type(template, resource_type).items()
    return logical_id, resource


def logical_id(stack: cdk.Stack, construct: Any) -> str:
    child = construct if isinstance(construct, cdk.CfnElement) else construct.node.default_child
    assert isinstance(child, cdk.CfnElement)
    return stack.get_logical_id(child)


def depends_on(resource: dict[str, Any]) -> set[str]:
    return set(resource.get("DependsOn", []))


# -- one app: a long wait, a short wait reading its artifacts, a warm-start child, an imported job's rule ------------


@pytest.fixture(scope="module")
def app_result() -> dict[str, Any]:
    app = new_app()
    stack = cdk.Stack(app, "LongWaits")
    parent = job(stack, "Parent", strategy=Bayesian(), wait_for_completion=True, max_runtime=HOURS_3, max_jobs=20)
    short = job(stack, "Short", wait_for_completion=True, max_runtime=cdk.Duration.minutes(40))
    child = job(stack, "Child", strategy=Bayesian(), max_jobs=10, warm_start=WarmStart(parents=[parent]))
    cdk.CfnOutput(stack, "ShortArtifacts", value=short.best_model_artifacts)
    cdk.CfnOutput(stack, "BestArtifacts", value=parent.best_model_artifacts)
    imported = TuningJob.from_tuning_job_name(stack, "Earlier", "Earlier-Job-1")
    imported.on_state_change("OnEarlierEnd", statuses=[TuningJobStatus.COMPLETED])
    findings = nag_findings(app)
    templates = synth_templates(app)
    return {
        "app": app,
        "findings": findings,
        "template": templates["LongWaits"],
        "ids": {
            name: logical_id(stack, j.resource) for name, j in [("parent", parent), ("short", short), ("child", child)]
        },
    }


def test_cdk_nag_finds_nothing_unacknowledged(app_result: dict[str, Any]) -> None:
    assert app_result["findings"] == []


def test_cfn_lint_reports_no_errors(app_result: dict[str, Any]) -> None:
    assert cfn_lint_errors(template_paths(app_result["app"])) == []


def test_a_long_wait_is_a_wait_condition_after_the_rule_and_the_check(app_result: dict[str, Any]) -> None:
    template, ids = app_result["template"], app_result["ids"]
    job_resource = template["Resources"][ids["parent"]]
    assert job_resource["Properties"][contract.PROP_WAIT_FOR_COMPLETION] == "false"  # the provider does not poll
    assert contract.PROP_WAIT_TIMEOUT_SECONDS not in job_resource["Properties"]
    ((condition_id, condition),) = resources_of_type(template, "AWS::CloudFormation::WaitCondition").items()
    handle_id, _ = only(template, "AWS::CloudFormation::WaitConditionHandle")
    assert condition["Properties"] == {"Count": 1, "Handle": {"Ref": handle_id}, "Timeout": str(3 * 3600 + 900)}
    check_id, check = only(template, waiter_contract.RESOURCE_TYPE_CHECK)
    assert condition["DependsOn"] == [check_id]
    rule_id = next(
        k for k, r in resources_of_type(template, "AWS::Events::Rule").items() if "Targets" in r["Properties"]
    )
    permission_id, permission = only(template, "AWS::Lambda::Permission")
    assert permission["Properties"]["SourceArn"] == {"Fn::GetAtt": [rule_id, "Arn"]}
    # The check runs once the rule can invoke the waiter and the waiter may describe the job: no end is missed.
    assert {ids["parent"], rule_id, permission_id} <= depends_on(check)
    assert check["Properties"][waiter_contract.PROP_HANDLE_URL] == {"Ref": handle_id}
    best_id, best = next(
        (k, r)
        for k, r in resources_of_type(template, waiter_contract.RESOURCE_TYPE_BEST).items()
        if condition_id in depends_on(r)
    )
    assert best["Properties"][waiter_contract.PROP_TUNING_JOB_NAME] == {"Fn::GetAtt": [ids["parent"], "TuningJobName"]}
    outputs = template["Outputs"]
    assert outputs["BestArtifacts"]["Value"] == {"Fn::GetAtt": [best_id, waiter_contract.ATTR_BEST_MODEL_ARTIFACTS]}


def test_the_waiters_rule_matches_the_jobs_final_events_and_passes_the_handle(app_result: dict[str, Any]) -> None:
    template, ids = app_result["template"], app_result["ids"]
    rule = next(r for r in resources_of_type(template, "AWS::Events::Rule").values() if "Targets" in r["Properties"])
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": [EVENT_DETAIL_TYPE],
        "detail": {
            "HyperParameterTuningJobName": [{"equals-ignore-case": {"Fn::GetAtt": [ids["parent"], "TuningJobName"]}}],
            "HyperParameterTuningJobStatus": ["Completed", "Failed", "Stopped"],
        },
    }
    (target,) = rule["Properties"]["Targets"]
    function_id = next(
        k
        for k, f in resources_of_type(template, "AWS::Lambda::Function").items()
        if f["Properties"].get("Handler") == waiter_contract.HANDLER
    )
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert target["InputTransformer"]["InputPathsMap"] == {"detail": "$.detail"}


def test_the_waiter_describes_only_the_jobs_it_waits_for(app_result: dict[str, Any]) -> None:
    template, ids = app_result["template"], app_result["ids"]
    policies = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if any(s.get("Sid") == "DescribeThisTuningJob" for s in p["Properties"]["PolicyDocument"]["Statement"])
    ]
    assert len(policies) == 2  # the long wait's, and the short job's best_model_artifacts
    described = sorted(
        json.dumps(s["Resource"]) for statements in policies for s in statements if s["Sid"] == "DescribeThisTuningJob"
    )
    assert described == sorted(json.dumps({"Fn::GetAtt": [ids[n], "TuningJobArn"]}) for n in ("parent", "short"))
    for statements in policies:
        training = next(s for s in statements if s["Sid"] == "DescribeItsTrainingJobs")
        assert training["Action"] == "sagemaker:DescribeTrainingJob"
        assert json.dumps(training["Resource"]).endswith('"-*"]]}')  # that job's training jobs only
    function = next(
        f
        for f in resources_of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == waiter_contract.HANDLER
    )
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    default = next(
        p
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
        and "DefaultPolicy" in json.dumps(p["Properties"]["PolicyName"])
    )
    actions = {
        a
        for s in default["Properties"]["PolicyDocument"]["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {"logs:CreateLogStream", "logs:PutLogEvents"}
    waiters = [
        f
        for f in resources_of_type(template, "AWS::Lambda::Function").values()
        if f["Properties"].get("Handler") == waiter_contract.HANDLER
    ]
    assert len(waiters) == 1  # one waiter per stack, whatever the number of waits


def test_a_short_wait_stays_on_the_custom_resource_and_reads_artifacts_after_it(app_result: dict[str, Any]) -> None:
    template, ids = app_result["template"], app_result["ids"]
    properties = template["Resources"][ids["short"]]["Properties"]
    assert properties[contract.PROP_WAIT_FOR_COMPLETION] == "true"
    best = next(
        r
        for r in resources_of_type(template, waiter_contract.RESOURCE_TYPE_BEST).values()
        if r["Properties"][waiter_contract.PROP_TUNING_JOB_NAME] == {"Fn::GetAtt": [ids["short"], "TuningJobName"]}
    )
    assert ids["short"] in depends_on(best)
    assert len(resources_of_type(template, "AWS::CloudFormation::WaitCondition")) == 1


def test_a_warm_start_child_starts_after_its_parents_wait(app_result: dict[str, Any]) -> None:
    template, ids = app_result["template"], app_result["ids"]
    condition_id, _ = only(template, "AWS::CloudFormation::WaitCondition")
    assert condition_id in depends_on(template["Resources"][ids["child"]])


def test_an_imported_job_gets_the_same_rule(app_result: dict[str, Any]) -> None:
    rule = next(
        r
        for k, r in resources_of_type(app_result["template"], "AWS::Events::Rule").items()
        if k.startswith("EarlierOnEarlierEnd")
    )
    assert rule["Properties"]["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": [EVENT_DETAIL_TYPE],
        "detail": {
            "HyperParameterTuningJobName": [{"equals-ignore-case": "Earlier-Job-1"}],
            "HyperParameterTuningJobStatus": ["Completed"],
        },
    }


# -- small stacks -----------------------------------------------------------------------------------------------


def test_on_state_change_notifies_a_topic_of_every_status_by_default() -> None:
    stack = new_stack("Notify")
    tuning_job = job(stack)
    topic = sns.Topic(stack, "Topic")
    rule = tuning_job.on_state_change("OnChange", target=targets.SnsTopic(topic), description="tell the team")
    template = template_of(stack)
    rule_id = logical_id(stack, rule)
    properties = template["Resources"][rule_id]["Properties"]
    job_id = logical_id(stack, tuning_job.resource)
    assert properties["EventPattern"] == {
        "source": ["aws.sagemaker"],
        "detail-type": [EVENT_DETAIL_TYPE],
        "detail": {"HyperParameterTuningJobName": [{"equals-ignore-case": {"Fn::GetAtt": [job_id, "TuningJobName"]}}]},
    }
    assert properties["Description"] == "tell the team"
    assert properties["Targets"][0]["Arn"] == {"Ref": logical_id(stack, topic)}
    assert not resources_of_type(template, "AWS::CloudFormation::WaitCondition")  # a rule alone waits for nothing


def test_statuses_are_the_apis_tuning_job_statuses() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker")
    assert sorted(s.value for s in TuningJobStatus) == sorted(model.shape_for("HyperParameterTuningJobStatus").enum)


def _wait_pair(**overrides: Any) -> tuple[str, str, str]:
    stack = new_stack("Pair")
    job(stack, wait_for_completion=True, **{"max_runtime": HOURS_3, **overrides})
    template = template_of(stack)
    condition_id, condition = only(template, "AWS::CloudFormation::WaitCondition")
    handle_id, _ = only(template, "AWS::CloudFormation::WaitConditionHandle")
    return handle_id, condition_id, condition["Properties"]["Timeout"]


def test_the_wait_pair_is_replaced_when_the_job_changes_and_kept_otherwise() -> None:
    handle, condition, timeout = _wait_pair()
    assert _wait_pair() == (handle, condition, timeout)
    changed_handle, changed_condition, _ = _wait_pair(max_jobs=21)
    assert changed_handle != handle and changed_condition != condition
    assert changed_handle[-16:-8] == changed_condition[-16:-8]  # both carry the request's digest
    longer = _wait_pair(max_runtime=cdk.Duration.seconds(42_300))
    assert longer[0] != handle and longer[2] == "43200"  # the longest max_runtime waits the WaitCondition's 12 hours


def test_a_long_waits_best_job_attributes_come_from_the_resource_after_the_wait() -> None:
    stack = new_stack("Attributes")
    tuning_job = job(stack, wait_for_completion=True, max_runtime=HOURS_3)
    assert tuning_job.long_wait is not None
    best = logical_id(stack, tuning_job.long_wait.best.resource)
    for value, attribute in [
        (tuning_job.best_training_job_name, "BestTrainingJobName"),
        (tuning_job.best_objective_value, "BestObjectiveValue"),
        (tuning_job.best_hyperparameters, "BestHyperparameters"),
        (tuning_job.best_hyperparameter("eta"), "BestHyperparameter.eta"),
        (tuning_job.best_model_artifacts, "BestModelArtifacts"),
    ]:
        assert stack.resolve(value) == {"Fn::GetAtt": [best, attribute]}
    unwaited = job(stack, "Unwaited")
    with pytest.raises(ValueError, match="set wait_for_completion=True"):
        _ = unwaited.best_model_artifacts
