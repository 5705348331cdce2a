"""The commands' errors: each one is a single line for the terminal and an exit code, never a traceback."""

from __future__ import annotations

#: Exit codes of ``status`` and ``analytics``.
EXIT_OK = 0
#: ``--watch``: the tuning job failed or was stopped.
EXIT_JOB_FAILED = 1
#: Bad usage: bad arguments, an assembly without the job, a job that does not exist.
EXIT_USAGE = 2
#: AWS could not be asked: no credentials or region, access denied, throttled, unreachable endpoint.
EXIT_AWS = 3


class OperateError(Exception):
    """A failure reported as one line (``error: <message>``) and a non-zero exit code.

    :param message: the line shown to the user.
    :param exit_code: the process exit code. Default: :data:`EXIT_AWS`.
    """

    def __init__(self, message: str, exit_code: int = EXIT_AWS) -> None:
        super().__init__(message)
        self.exit_code = exit_code
