"""Child processes that are sent signals: their dispositions are set here, not inherited.

A suite started under `nohup` or from a background job has SIGINT ignored, and a child
inherits that: Ctrl-C tests would then hang or fail for reasons of the terminal. Commands
passed through `default_signals` start with SIGINT and SIGTERM at their default actions
(Python then installs its KeyboardInterrupt handler as usual).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_SHIM = (
    "import os, signal, sys; "
    "signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def default_signals(cmd: list[str]) -> list[str]:
    """`cmd` (its first item an absolute path) run with default signal dispositions."""
    return [sys.executable, "-c", _SHIM, *cmd]


@contextmanager
def killed_after(
    proc: subprocess.Popen[bytes] | subprocess.Popen[str], seconds: float
) -> Iterator[None]:
    """Kill `proc` if the block has not ended after `seconds`: a pipe read inside it then
    sees end of file instead of blocking forever."""
    timer = threading.Timer(seconds, proc.kill)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
