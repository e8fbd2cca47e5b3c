"""The uvloop monitor's thread (it needs no uvloop to start and stop)."""

from __future__ import annotations

import sys
import time
from typing import Any

from aiodeadlock.instrument.uvloophook import Monitor


def test_stop_returns_once_the_monitor_thread_has_ended() -> None:
    looks: list[Any] = []
    monitor = Monitor()
    monitor.look = lambda loop, quiet_for: looks.append(loop)
    monitor.start()
    ident = monitor._ident
    deadline = time.monotonic() + 5
    while ident not in sys._current_frames() and time.monotonic() < deadline:
        time.sleep(0.005)
    assert ident is not None and ident in sys._current_frames()
    monitor.stop()
    # stop() waits for the thread: none of ours runs on while the interpreter finalizes
    assert ident not in sys._current_frames()
    assert monitor._ident is None and looks == []
