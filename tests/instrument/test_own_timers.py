"""The detector's own timers never wake the program: the loop thread sleeps through them
and runs them inside the sleep; what they (or the idle hook after them) schedule runs."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock.instrument import loophook


def test_work_the_idle_hook_schedules_after_our_timer_runs(
    run_bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our timer runs inside the sleep; the idle hook then acts (a verdict would schedule
    the error's delivery): the loop must run that, not sleep on."""

    async def main() -> str:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        calls: list[int] = []

        def idle(seen: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                loophook.call_once_later(seen, "test", 0.05, lambda _: None)
            elif len(calls) == 2:
                seen.call_soon(fut.set_result, "ran")

        monkeypatch.setattr(detector, "idle", idle)
        return str(await fut)

    with aiodeadlock.detect(on_deadlock="report") as detector:
        assert run_bounded(main, timeout=10) == "ran"


def test_our_timer_does_not_run_callbacks_that_never_woke_the_loop(
    run_bounded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A callback put in the ready queue from another thread without a wake-up stays
    unrun while our timer comes and goes, as without us; a real wake-up then runs it."""
    order: list[str] = []

    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        fut = loop.create_future()
        calls: list[int] = []

        def idle(seen: Any) -> None:
            calls.append(1)
            if len(calls) == 1:
                loophook.call_once_later(seen, "test", 0.3, lambda _: order.append("timer"))

        def worker() -> None:
            time.sleep(0.1)
            loop.call_soon(fut.set_result, None)  # no wake-up: lost while the loop sleeps
            time.sleep(0.6)
            order.append("wake")
            loop.call_soon_threadsafe(lambda: None)  # a real wake-up

        monkeypatch.setattr(detector, "idle", idle)
        thread = threading.Thread(target=worker)
        thread.start()
        await fut
        order.append("resumed")
        thread.join()
        return order

    with aiodeadlock.detect(on_deadlock="report") as detector:
        assert run_bounded(main, timeout=10) == ["timer", "wake", "resumed"]
