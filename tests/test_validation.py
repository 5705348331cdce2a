"""``sagemaker_hpo._validation``: the one error a user's mistake raises, and the token test every rule uses to skip
values only known at deploy time (asked of the CDK once per distinct literal, or not at all).

The rules themselves are tested per module of ``sagemaker_hpo.rules`` in ``tests/rules/``.
"""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from sagemaker_hpo import S3Input, ValidationError
from sagemaker_hpo._validation import is_unresolved
from tests.construct_support import job, new_stack, training


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every value the CDK is asked about (``Token.is_unresolved``) while the test runs."""
    values: list[object] = []
    real = cdk.Token.is_unresolved

    def counted(value: object) -> bool:
        values.append(value)
        return bool(real(value))

    monkeypatch.setattr(cdk.Token, "is_unresolved", staticmethod(counted))
    return values


def test_the_error_names_the_path_the_field_the_value_and_the_rule() -> None:
    error = ValidationError("Stack/Job", "max_jobs", 751, "must be <= 750", rule_id="HPO-STRATEGY-007")
    assert str(error) == "Stack/Job: invalid max_jobs: 751; must be <= 750 [HPO-STRATEGY-007]"
    assert (error.path, error.field, error.value, error.rule_id) == ("Stack/Job", "max_jobs", 751, "HPO-STRATEGY-007")
    assert isinstance(error, ValueError)
    typed = ValidationError.wrong_type("Stack/Job", "max_runtime", "2h" * 50, "a Duration", rule_id="HPO-TYPE-002")
    assert str(typed).startswith("Stack/Job: max_runtime: expected a Duration, got str '2h2h")
    assert str(typed).endswith("... [HPO-TYPE-002]") and typed.rule_id == "HPO-TYPE-002"


def test_unresolved_tokens_are_skipped() -> None:
    stack = new_stack("Tokens")
    max_jobs = cdk.CfnParameter(stack, "MaxJobs", type="Number").value_as_number
    name = cdk.CfnParameter(stack, "Name").value_as_string
    bucket = cdk.CfnParameter(stack, "Bucket").value_as_string
    content_type = cdk.CfnParameter(stack, "ContentType").value_as_string
    instance_type = cdk.CfnParameter(stack, "InstanceType").value_as_string
    volume = cdk.CfnParameter(stack, "Volume", type="Number").value_as_number
    tuning = job(
        stack,
        max_jobs=max_jobs,
        tuning_job_name=name,
        tags={"team": name},
        training=training(
            output_path=f"s3://{bucket}/out/",
            inputs={"train": S3Input.from_uri(f"s3://{bucket}/train/", content_type=content_type)},
            instance_type=instance_type,
            volume_size=cdk.Size.gibibytes(volume),
        ),
    )
    resources = tuning.request["TrainingJobDefinition"]["ResourceConfig"]
    assert stack.resolve(resources["VolumeSizeInGB"]) == {"Ref": "Volume"}


def test_is_unresolved_recognizes_literals_in_python_and_agrees_with_the_cdk() -> None:
    # The remembered answers (one jsii call per distinct literal) that keep a tuning job cheap must be the CDK's.
    values = [
        "plain",
        "s3://bucket/" + cdk.Aws.REGION,
        cdk.Aws.ACCOUNT_ID,
        3,
        -1.5e300,
        2.5,
        cdk.Token.as_number(cdk.Aws.ACCOUNT_ID),
        cdk.Token.as_list(cdk.Aws.ACCOUNT_ID),
        ["a", cdk.Aws.REGION],
        [cdk.Aws.REGION],
        ["a", "b"],
        True,
        None,
    ]
    expected = [False, True, True, False, False, False, True, True, True, True, False, False, False]
    assert [is_unresolved(value) for value in values] == expected
    for value, answer in zip(values[:8], expected[:8], strict=True):
        assert bool(cdk.Token.is_unresolved(value)) == answer


def test_is_unresolved_asks_the_cdk_once_per_distinct_literal(asked: list[object]) -> None:
    values = ["a {literal} seen once per process 7f3a", 12345.25, "a {literal} seen once per process 7f3a", 12345.25]
    assert [is_unresolved(value) for value in values] == [False] * 4
    assert asked == ["a {literal} seen once per process 7f3a", 12345.25]


def test_is_unresolved_knows_integers_without_asking_the_cdk(asked: list[object]) -> None:
    # The premise: a number token reaches Python as a float, so an int a JavaScript number holds exactly is a literal.
    assert isinstance(cdk.Token.as_number(cdk.Aws.ACCOUNT_ID), float)
    integers = [0, 101, -7, 2**53 - 1]
    assert [is_unresolved(value) for value in integers] == [False] * 4
    assert asked == []
    assert is_unresolved(2**60 + 13) is False  # outside the exact range: asked
    assert asked == [2**60 + 13]


def test_is_unresolved_knows_strings_without_braces_without_asking_the_cdk(asked: list[object]) -> None:
    # The premise, pinned to the installed aws-cdk-lib: every string form of a token holds "{".
    stack = cdk.Stack()
    parameter = cdk.CfnParameter(stack, "P")
    listed = cdk.CfnParameter(stack, "L", type="CommaDelimitedList")
    encodings = [
        cdk.Aws.REGION,
        parameter.value_as_string,
        cdk.Token.as_string(cdk.Aws.ACCOUNT_ID),
        cdk.Fn.join("", ["a", cdk.Aws.REGION]),
        *cdk.Token.as_list(cdk.Aws.ACCOUNT_ID),
        *listed.value_as_list,
    ]
    # (a list token's one string is unresolved as the list it encodes)
    assert all("{" in text and (cdk.Token.is_unresolved(text) or cdk.Token.is_unresolved([text])) for text in encodings)
    asked.clear()
    literals = ["107", "binary:logistic", "s3://bucket/prefix/", "a $ and # but no brace", ["one literal e9"]]
    assert [is_unresolved(value) for value in literals] == [False] * 5
    assert asked == []
    assert is_unresolved("{not a token} 51c2") is False  # a brace: asked
    assert asked == ["{not a token} 51c2"]
