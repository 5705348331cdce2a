"""Every rendered request of the project's request cases passes sagemaker-core's strict shapes: the pydantic models
``sagemaker_core.shapes`` generates from the service model forbid extra fields, so a member the service does not
know, a member in the wrong structure, or a value of the wrong type fails here (botocore's ``ParamValidator`` is the
other check, in ``tests/request_support.py``).

sagemaker-core is imported only in this module (it takes seconds to import).
"""

from __future__ import annotations

import types
import typing
from typing import Any

import aws_cdk as cdk
import pydantic
import pytest
from botocore.session import get_session
from sagemaker_core import shapes
from sagemaker_core.main.utils import pascal_to_snake

from tests import request_cases
from tests.construct_support import job
from tests.request_support import filled
from tests.test_api_coverage import coverage_requests

_INPUT = get_session().get_service_model("sagemaker").operation_model("CreateHyperParameterTuningJob").input_shape


def _container(hint: Any) -> bool:
    return typing.get_origin(hint) in (list, dict) or (isinstance(hint, type) and issubclass(hint, pydantic.BaseModel))


def _unwrap(hint: Any) -> Any:
    """``X`` for ``Optional[X]`` (and for a union whose one shape, list or map is ``X``); other unions as they are."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        containers = [a for a in args if _container(a)]
        return args[0] if len(args) == 1 else containers[0] if len(containers) == 1 else hint
    return hint


def _snake(value: Any, hint: Any) -> Any:
    """``value`` (the request's PascalCase members) with the member names of sagemaker-core's shape ``hint`` (its
    snake_case fields, named by sagemaker-core's own ``pascal_to_snake``). A member the shape lacks keeps its name,
    so the strict model reports it as an extra field; map keys (hyperparameters, environment) stay as they are."""
    hint = _unwrap(hint)
    origin = typing.get_origin(hint)
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(hint)
        return [_snake(v, item) for v in value]
    if origin is dict and isinstance(value, dict):
        _, item = typing.get_args(hint)
        return {k: _snake(v, item) for k, v in value.items()}
    if isinstance(hint, type) and issubclass(hint, pydantic.BaseModel) and isinstance(value, dict):
        fields = hint.model_fields
        converted = {}
        for key, item in value.items():
            name = pascal_to_snake(key)
            converted[name if name in fields else key] = (
                _snake(item, fields[name].annotation) if name in fields else item
            )
        return converted
    return value


def build_shapes(request: dict[str, Any]) -> list[pydantic.BaseModel]:
    """Build each structure of ``request`` (tokens filled) into sagemaker-core's shape for it; raise
    ``pydantic.ValidationError`` (or ``AssertionError`` for an unknown top-level member) when one does not fit."""
    built: list[pydantic.BaseModel] = []
    for key, value in filled(request).items():
        assert key in _INPUT.members, f"{key} is not a member of CreateHyperParameterTuningJobRequest"
        member = _INPUT.members[key]
        if member.type_name == "structure":
            model = getattr(shapes, member.name)
            built.append(model(**_snake(value, model)))
        elif member.type_name == "list" and member.member.type_name == "structure":
            model = getattr(shapes, member.member.name)
            built.extend(model(**_snake(item, model)) for item in value)
    return built


@pytest.fixture(scope="module")
def rendered() -> dict[str, dict[str, Any]]:
    """The rendered requests of the coverage jobs (every typed prop) and of each passing request case."""
    requests = {f"coverage-{i}": r for i, r in enumerate(coverage_requests()) if "HyperParameterTuningJobConfig" in r}
    app = cdk.App()  # one app, a stack per case
    for index, (case_id, overrides) in enumerate(request_cases.PASSING):
        stack = cdk.Stack(app, f"Case{index}")
        requests[case_id] = stack.resolve(job(stack, "Tuning", **overrides(stack)).request)
    return requests


def test_every_rendered_request_fits_sagemaker_cores_strict_shapes(rendered: dict[str, dict[str, Any]]) -> None:
    assert len(rendered) == 4 + len(request_cases.PASSING)
    for case_id, request in rendered.items():
        try:
            built = build_shapes(request)
        except pydantic.ValidationError as error:  # pragma: no cover - the failure message
            pytest.fail(f"{case_id}: {error}")
        assert {type(b).__name__ for b in built} >= {"HyperParameterTuningJobConfig"}, case_id


def test_the_conversion_reaches_nested_members(rendered: dict[str, dict[str, Any]]) -> None:
    (definition,) = [
        b for b in build_shapes(rendered["HPO-INST-001"]) if isinstance(b, shapes.HyperParameterTrainingJobDefinition)
    ]
    configs = definition.hyper_parameter_tuning_resource_config.instance_configs
    assert [c.instance_type for c in configs] == ["ml.g5.xlarge", "ml.g4dn.xlarge"]
    assert definition.static_hyper_parameters["objective"] == "binary:logistic"  # map keys kept as they are


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r["TrainingJobDefinition"]["ResourceConfig"].update(InstanceTypo="ml.m5.xlarge"), "InstanceTypo"),
        (
            lambda r: r["TrainingJobDefinition"]["ResourceConfig"].update(AllocationStrategy="Prioritized"),
            "AllocationStrategy",
        ),
        (lambda r: r["HyperParameterTuningJobConfig"]["ResourceLimits"].update(MaxParallelTrainingJobs="five"), "int"),
        (lambda r: r["TrainingJobDefinition"].update(StoppingCondition=[{"MaxRuntimeInSeconds": 60}]), "Stopping"),
    ],
    ids=["unknown-member", "member-of-another-structure", "wrong-type", "list-for-structure"],
)
def test_a_wrong_request_fails_the_strict_shapes(
    rendered: dict[str, dict[str, Any]], change: Any, problem: str
) -> None:
    request = filled(rendered["HPO-INST-004"])  # a single-instance-type job: ResourceConfig
    change(request)
    with pytest.raises(pydantic.ValidationError, match=problem):
        build_shapes(request)


def test_an_unknown_top_level_member_fails(rendered: dict[str, dict[str, Any]]) -> None:
    with pytest.raises(AssertionError, match="TrainingJobDefinitionz is not a member"):
        build_shapes({**rendered["HPO-INST-004"], "TrainingJobDefinitionz": {}})
