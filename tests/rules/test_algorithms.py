"""The rules of ``sagemaker_hpo.rules.algorithms`` (HPO-ALGO): their cases are in tests/request_cases.py (with the other
request-level cases, which tests/test_sagemaker_core_shapes.py renders too), run here."""

from __future__ import annotations

from tests import request_cases
from tests.rules.cases import accepts, cases_of, rejects, warns

FAILING = cases_of(request_cases.FAILING, __name__)
PASSING = cases_of(request_cases.PASSING, __name__)
WARNS = cases_of(request_cases.WARNS, __name__)

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
test_rule_warns = warns(WARNS)
