"""Static hyperparameter values and the strings SageMaker receives for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Union

from aws_cdk import Token

from ._contract import contract


@dataclass(frozen=True)
class Json:
    """A hyperparameter value sent as JSON text, for programs that parse a structured value themselves:
    ``Json({"units": [64, 32]})`` is sent as ``{"units":[64,32]}``.

    Only values wrapped in ``Json`` are serialized: a bare ``dict`` or ``list`` is refused (rule HPO-HP-001), so that
    nothing becomes Python's ``repr`` by accident.

    :param value: any JSON-serializable value (dicts, lists, strings, numbers, booleans, ``None``).
    """

    value: Any

    def text(self) -> str:
        """The compact JSON text (no spaces, keys in the order given)."""
        return json.dumps(self.value, separators=(",", ":"), allow_nan=False)


#: A static hyperparameter value (a categorical range's values are scalars only).
HyperparameterValue = Union[str, int, float, bool, Json]


def hyperparameter_text(value: HyperparameterValue) -> str:
    """The string SageMaker receives for a hyperparameter value (``True`` becomes ``"true"``, ``Json`` its text)."""
    if isinstance(value, Json):
        return value.text()
    if isinstance(value, float) and Token.is_unresolved(value):
        return str(value)  # a token's string form, resolved by CloudFormation
    return contract.api_string(value)
