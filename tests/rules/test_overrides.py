"""The rules of ``sagemaker_hpo.rules.overrides`` (HPO-OVR): their cases are in tests/request_cases.py (with the other
request-level cases, which tests/test_sagemaker_core_shapes.py renders too), run here."""

from __future__ import annotations

from tests import request_cases
from tests.rules.cases import accepts, cases_of, rejects

FAILING = cases_of(request_cases.FAILING, __name__)
PASSING = cases_of(request_cases.PASSING, __name__)

test_rule_rejects = rejects(FAILING)
test_rule_accepts = accepts(PASSING)
