"""Process-wide state of the handler: the lazily created client and the injectable clock, sleep and jitter.

The entry module (``index``) exposes the seams tests use: ``set_client``, ``set_clock``, ``set_sleep``,
``set_jitter`` and ``reset``. Every other module reads the state through :data:`RT`, never a copy of it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any


class Runtime:
    """The mutable state of one Lambda process (reset by ``index.reset``)."""

    def __init__(self) -> None:
        self.client: Any = None
        self.clock: Callable[[], float] = time.time
        self.sleep: Callable[[float], None] = time.sleep
        self.jitter: Callable[[], float] = random.random
        #: ``time.monotonic()`` value by which the invocation must be done (Lambda deadline minus a margin).
        self.deadline: float | None = None
        self.log_context: dict[str, str] = {}

    def reset(self) -> None:
        """Forget the cached client and restore the real clock, sleep and jitter."""
        self.__init__()  # type: ignore[misc]


#: The one instance (modules import it and read attributes at call time, so ``reset`` reaches all of them).
RT = Runtime()
