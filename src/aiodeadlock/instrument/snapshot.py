"""Read the current wait-for graph of a loop into a Snapshot."""

from __future__ import annotations

from typing import Any

from aiodeadlock.instrument import taskstate
from aiodeadlock.instrument.livegraph import LiveGraph, resource_key
from aiodeadlock.instrument.loophook import unfinished_tasks
from aiodeadlock.model.findings import Hold, Resource, TaskReport
from aiodeadlock.model.snapshot import Snapshot


def take(loop: Any, current: Any = None) -> Snapshot:
    """Every unfinished task of `loop`: state, wait, holdings and stack."""
    graph = LiveGraph(current=current, loop=loop)
    reports: list[TaskReport] = []
    used: dict[str, Resource] = {}
    for task in unfinished_tasks(loop):
        key = graph.add_task(task)
        node = graph.task(key)
        holds: list[Hold] = []
        st = taskstate.states.get(id(task))
        for prim in list(st.held) if st is not None and st() is task else []:
            rkey = resource_key(prim)
            graph.prims[rkey] = prim
            res = graph.resource(rkey)
            used[rkey] = res.to_resource()
            since = next((h.since for h in res.holders if h.task == key), None)
            holds.append(Hold(rkey, since))
        if node.waits is not None:
            res = graph.resource(node.waits.resource)
            used[res.key] = res.to_resource()
        state = "running" if task is current else ("waiting" if node.waits else "suspended")
        reports.append(
            TaskReport(
                key=key,
                name=node.name,
                state=state,
                waits_for=node.waits.resource if node.waits else None,
                waits_at=node.waits.at if node.waits else None,
                holds=tuple(holds),
                stack=node.stack,
            )
        )
    return Snapshot(tuple(reports), tuple(used.values()))


def install_dump_handler(write: Any) -> bool:
    """On SIGUSR1, write a snapshot of the running loop's tasks with `write(text)`.

    The program is not stopped. Returns False where the platform has no SIGUSR1.
    """
    import asyncio.events
    import signal

    from aiodeadlock.instrument import loophook

    sig = getattr(signal, "SIGUSR1", None)
    if sig is None:
        return False

    def dump(signum: int, frame: Any) -> None:
        loop = asyncio.events._get_running_loop()
        if loop is None:
            write("aiodeadlock: snapshot: no event loop is running\n")
            return
        try:
            current = asyncio.current_task(loop)
        except RuntimeError:
            current = None
        write(take(loop, current).render())

    loophook.OWN_HANDLERS.add(dump)
    signal.signal(sig, dump)
    return True
