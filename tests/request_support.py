"""Check a rendered ``CreateHyperParameterTuningJob`` request the way the service's clients do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from botocore.session import get_session
from botocore.validate import ParamValidator

ROOT_DIR = Path(__file__).resolve().parents[1]


def filled(value: Any) -> Any:
    """``value`` with deploy-time tokens (``Ref``, ``Fn::...``) replaced by plausible literals."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)).startswith(("Fn::", "Ref")):
            text = json.dumps(value)
            if "Arn" in text and "Role" in text:
                return "arn:aws:iam::123456789012:role/filled"
            if "Arn" in text:
                return "arn:aws:kms:us-east-1:123456789012:key/filled"
            return "filled"
        return {k: filled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [filled(v) for v in value]
    return value


def assert_valid_request(request: dict[str, Any]) -> dict[str, Any]:
    """Assert that ``request`` (with a job name added, tokens filled) passes botocore's ``ParamValidator``."""
    full = {"HyperParameterTuningJobName": "example-0123456789abcdef", **filled(request)}
    model = get_session().get_service_model("sagemaker").operation_model("CreateHyperParameterTuningJob")
    report = ParamValidator().validate(full, model.input_shape)
    assert not report.has_errors(), report.generate_report()
    return full
