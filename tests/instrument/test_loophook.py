"""The loop hook's view of what could still wake a loop."""

from __future__ import annotations

import asyncio
import threading
from unittest import mock

import pytest

import aiodeadlock


def test_a_selector_that_cannot_be_read_keeps_detection_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    detector = aiodeadlock.install(on_deadlock="report")
    loop = asyncio.new_event_loop()
    real = loop._selector  # type: ignore[attr-defined]
    loop._selector = mock.Mock()  # type: ignore[attr-defined]  # as CPython's tests do
    loop._selector.select.return_value = []  # type: ignore[attr-defined]
    try:

        async def main() -> None:
            ready = asyncio.Event()  # set by a thread: no timer, so the loop goes idle
            timer = threading.Timer(0.05, loop.call_soon_threadsafe, (ready.set,))
            timer.start()
            await ready.wait()
            timer.join(5)

        # No timeout timer (the loop must go idle); a thread stops it if all else fails.
        guard = threading.Timer(5, loop.call_soon_threadsafe, (loop.stop,))
        guard.start()
        try:
            loop.run_until_complete(main())
        finally:
            guard.cancel()
        assert detector.active
        assert "internal error" not in capsys.readouterr().err
        assert detector.findings == []
    finally:
        loop._selector = real  # type: ignore[attr-defined]
        loop.close()
        aiodeadlock.uninstall()
