"""A task that ends holding a lock: a potential finding at the end, unless someone releases it."""

from __future__ import annotations

import asyncio

import aiodeadlock
from aiodeadlock import runtime


async def _leak(lock: asyncio.Lock) -> None:
    await lock.acquire()


def test_task_ending_with_a_lock_held_is_a_potential_finding() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        await asyncio.create_task(_leak(lock), name="leaker")

    with aiodeadlock.detect() as session:
        asyncio.run(main())
        potential = runtime.finish()
    (finding,) = potential
    assert finding.kind.code == "DL103" and not finding.definite
    assert "'leaker' returned while holding Lock 'lock'" in finding.message
    assert session.findings == [finding]


def test_lock_handed_over_and_released_later_is_not_reported() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        await asyncio.create_task(_leak(lock))
        lock.release()  # another task finishes the hand-over
        async with lock:
            pass

    with aiodeadlock.detect() as session:
        asyncio.run(main())
        assert runtime.finish() == []
    assert session.findings == []
