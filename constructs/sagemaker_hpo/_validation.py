"""The library's ``ValidationError`` and the token test the rules use (the rules themselves: ``sagemaker_hpo.rules``)."""

from __future__ import annotations

import functools
import math
from typing import Any

from aws_cdk import Token


class ValidationError(ValueError):
    """Raised at synth time when a prop would be rejected by SageMaker (or is not of the type the prop takes).

    The message names the construct path, the field, the offending value, what is allowed and the rule's id
    (see docs/rules.md): ``Stack/Job: invalid max_jobs: 751; must be <= 750 [HPO-STRATEGY-007]``.
    """

    def __init__(self, path: str, field: str, value: Any, allowed: str, *, rule_id: str | None = None) -> None:
        """Create the error for ``path``'s ``field``.

        :param path: the construct path (or the value type, for a check made before any construct exists).
        :param field: the prop, e.g. ``training.max_runtime``.
        :param value: the offending value.
        :param allowed: what is allowed.
        :param rule_id: the id of the rule that failed. Default: none.
        """
        self.path = path
        self.field = field
        self.value = value
        self.allowed = allowed
        self.rule_id = rule_id
        suffix = f" [{rule_id}]" if rule_id else ""
        super().__init__(f"{path}: invalid {field}: {value!r}; {allowed}{suffix}")

    @classmethod
    def wrong_type(
        cls, path: str, field: str, value: Any, expected: str, *, rule_id: str | None = None
    ) -> ValidationError:
        """The error for a prop of the wrong type: ``Stack/Job: max_runtime: expected a Duration (e.g.
        Duration.hours(2)), got str '2h' [HPO-TYPE-001]``."""
        error = cls(path, field, value, f"expected {expected}", rule_id=rule_id)
        suffix = f" [{rule_id}]" if rule_id else ""
        error.args = (f"{path}: {field}: expected {expected}, got {type(value).__name__} {_shown(value)}{suffix}",)
        return error


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


#: Integers a JavaScript number holds exactly. A number token is a float far outside this range (about -1.9e289),
#: so an ``int`` inside it is a literal, known without asking the CDK (a job's static hyperparameters differ per job).
_EXACT_INTEGERS = 2**53

#: A character every string form of a token holds (a string token, and the one string of a list token): a string
#: without it is a literal, known without asking the CDK. tests/test_validation.py pins this to the CDK's encodings.
_TOKEN_ENCODING_CHARACTER = "{"


def _may_be_token(text: str) -> bool:
    """Whether ``text`` could be a token's encoding (then the CDK is asked)."""
    return _TOKEN_ENCODING_CHARACTER in text


#: How many distinct literals ``is_unresolved`` remembers (a stack of 100 tuning jobs checks about 200).
_REMEMBERED_LITERALS = 4096


@functools.lru_cache(maxsize=_REMEMBERED_LITERALS)
def _literal_is_unresolved(value: str | int | float | tuple[str]) -> bool:
    """``Token.is_unresolved`` for a string, a number or a one-string list (as a tuple), remembered: whether a literal
    is a token never changes (the CDK registers a token's encoding for the life of the process, and a plain literal
    never becomes one), and each jsii call costs about 0.5 ms while a tuning job checks dozens of values, most of them
    the same in every job of a stack."""
    return bool(Token.is_unresolved(list(value) if isinstance(value, tuple) else value))


def is_unresolved(value: Any) -> bool:
    """True when ``value`` (or any element of a list) is a CDK token only known at deploy time.

    Asks the CDK (``Token.is_unresolved``), once per distinct string or number: the answers are remembered.
    """
    if isinstance(value, (list, tuple)):
        if (
            len(value) == 1
            and isinstance(value[0], str)
            and _may_be_token(value[0])
            and _literal_is_unresolved((value[0],))
        ):
            return True  # an encoded list token: a list of one string
        return any(is_unresolved(item) for item in value)
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False  # NaN and infinities are never tokens (and cannot cross to jsii)
    if isinstance(value, int) and -_EXACT_INTEGERS < value < _EXACT_INTEGERS:
        return False  # a number token reaches Python as a float (``Token.as_number``): a small int is a plain number
    if isinstance(value, str) and not _may_be_token(value):
        return False
    if isinstance(value, (str, int, float)):
        return _literal_is_unresolved(value)
    return not isinstance(value, dict) and bool(Token.is_unresolved(value))
