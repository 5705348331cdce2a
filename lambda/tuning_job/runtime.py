"""Process-wide state of the handler: the lazily created client and the injectable clock, sleep and jitter.

The entry module (``index``) exposes the seams tests use: ``set_client``, ``set_clock``, ``set_sleep``,
``set_jitter`` and ``reset``. Every other module reads the state through :data:`RT`, never a copy of it. The time
left to an invocation is read from its Lambda context (``get_remaining_time_in_millis``) whenever it is needed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

#: Seconds kept free before the Lambda deadline: the handler's own waits never run into it.
DEADLINE_MARGIN_SECONDS = 10.0


class Runtime:
    """The mutable state of one Lambda process (reset by ``index.reset``)."""

    def __init__(self) -> None:
        self.client: Any = None
        self.clock: Callable[[], float] = time.time
        self.sleep: Callable[[float], None] = time.sleep
        self.jitter: Callable[[], float] = random.random
        #: The invocation's ``context.get_remaining_time_in_millis`` (None outside Lambda: no deadline).
        self.remaining_millis: Callable[[], int] | None = None
        self.log_context: dict[str, str] = {}

    def reset(self) -> None:
        """Forget the cached client and restore the real clock, sleep and jitter."""
        self.__init__()  # type: ignore[misc]

    def seconds_left(self) -> float | None:
        """Seconds this invocation may still use (its Lambda deadline less the margin); None when it has none."""
        if self.remaining_millis is None:
            return None
        return self.remaining_millis() / 1000.0 - DEADLINE_MARGIN_SECONDS


#: The one instance (modules import it and read attributes at call time, so ``reset`` reaches all of them).
RT = Runtime()
