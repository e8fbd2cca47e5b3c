"""An exception inside the detector is contained: one warning, detection off, program fine."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aiodeadlock
from aiodeadlock import api
from aiodeadlock.detectors import scan
from aiodeadlock.instrument import livegraph, waits


def _broken(*args: Any, **kwargs: Any) -> Any:
    raise ZeroDivisionError("injected")


@pytest.mark.parametrize(
    ("where", "name"),
    [(waits, "holders_may_run"), (livegraph.LiveGraph, "task"), (scan, "find_deadlock")],
    ids=["pre-check", "graph", "search"],
)
def test_detector_failure_warns_once_and_program_goes_on(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], where: Any, name: str
) -> None:
    """Each stage of the check made when a task is about to park, broken in turn."""
    monkeypatch.setattr(waits, "holders_may_run", lambda prim: False)  # reach every stage
    monkeypatch.setattr(where, name, _broken)

    async def contend(lock: asyncio.Lock) -> int:
        async def hold() -> None:
            async with lock:
                await asyncio.sleep(0.01)

        holders = [asyncio.create_task(hold()) for _ in range(3)]
        await asyncio.wait_for(asyncio.gather(*holders), 5)
        return 3

    with aiodeadlock.detect():
        assert asyncio.run(contend(asyncio.Lock())) == 3
        assert asyncio.run(contend(asyncio.Lock())) == 3
    err = capsys.readouterr().err
    assert err.count("aiodeadlock: internal error, detection disabled") == 1
    assert "ZeroDivisionError: injected" in err
    assert not api.installed()
