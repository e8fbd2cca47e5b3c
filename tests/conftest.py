"""Shared test helpers: run a coroutine in its own thread with a hard deadline."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

Runner = Callable[..., Any]


def _run_bounded(main: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 10.0) -> Any:
    """asyncio.run(main()) in a daemon thread; fail the test if it has not ended in time.

    No timeout is put around the program itself (a timeout would legitimately make a
    wait non-deadlocked), so the deadline is enforced from outside the loop.
    """
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(main())
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"the program did not finish within {timeout}s (a deadlock was missed?)")
    if "error" in box:
        raise box["error"]
    return box.get("result")


@pytest.fixture
def run_bounded() -> Runner:
    return _run_bounded
