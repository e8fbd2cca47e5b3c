"""A task that ends holding a lock: a potential finding at the end, unless someone releases it."""

from __future__ import annotations

import asyncio

import aiodeadlock
from aiodeadlock import api
from aiodeadlock.model.findings import Finding


def _potential() -> list[Finding]:
    """The potential findings of the run so far (finish() adds them to the report)."""
    report = api.finish()
    assert report is not None
    return list(report.potential)


async def _leak(lock: asyncio.Lock) -> None:
    await lock.acquire()


async def _fail(lock: asyncio.Lock) -> None:
    await lock.acquire()
    raise ValueError("in the critical section")


def test_task_raising_with_a_lock_held_is_a_potential_finding() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        task = asyncio.create_task(_fail(lock), name="failer")
        await asyncio.wait([task])
        assert isinstance(task.exception(), ValueError)

    with aiodeadlock.detect() as session:
        asyncio.run(main())
        potential = _potential()
    (finding,) = potential
    assert finding.kind.code == "DL103" and not finding.definite
    assert "'failer' raised ValueError('in the critical section') while holding" in (
        finding.message
    )
    assert session.findings == [finding]


def test_task_returning_with_a_lock_held_may_be_a_hand_over() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        await asyncio.create_task(_leak(lock))

    with aiodeadlock.detect() as session:
        asyncio.run(main())
        assert _potential() == []
    assert session.findings == []


def test_lock_handed_over_and_released_later_is_not_reported() -> None:
    async def main() -> None:
        lock = asyncio.Lock()
        await asyncio.create_task(_leak(lock))
        lock.release()  # another task finishes the hand-over
        async with lock:
            pass

    with aiodeadlock.detect() as session:
        asyncio.run(main())
        assert _potential() == []
    assert session.findings == []
