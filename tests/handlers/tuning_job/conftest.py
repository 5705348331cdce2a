"""Fixtures of the tuning-job handler tests: the handler (reset after each test) and its stubbed SageMaker client.

The helpers these tests share (requests, events, the :class:`~tests.handler_support.SageMakerScript` ledger) are in
``tests/handler_support.py``. ``test_over_http.py`` overrides :func:`handler` with one whose client talks to a local
moto server.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.handler_support import SageMakerScript, load_handler, stubbed_handler


@pytest.fixture
def handler() -> Iterator[ModuleType]:
    module = load_handler()
    yield module
    module.reset()


@pytest.fixture
def sm(handler: ModuleType) -> Iterator[SageMakerScript]:
    """A stubbed client injected into the handler, with a recorded sleep and a fixed clock."""
    with stubbed_handler(handler) as script:
        yield script
