"""Tasks that ended while still holding a lock or permit, as potential findings."""

from __future__ import annotations

from aiodeadlock.instrument import taskstate
from aiodeadlock.instrument.livegraph import LiveGraph, resource_key
from aiodeadlock.instrument.primitives import is_lock
from aiodeadlock.model.findings import ORPHANED_LOCK, Finding, Hold, Resource, TaskReport


def ended_holding() -> list[Finding]:
    """One potential orphaned-lock finding per task that raised or was cancelled while
    holding a lock that is still held at the end of the run.

    A task that returned holding a lock may have handed it over on purpose, and a
    semaphore permit kept at the end is usually a permit consumed, so neither counts.
    """
    findings = []
    for st in list(taskstate.ended_holding):
        if st.ended not in ("raised", "cancelled"):
            continue
        held = list({id(p): p for p in st.held if is_lock(p) and _still_held_by(p, st)}.values())
        if not held:
            continue
        graph = LiveGraph()
        key = graph.add_state(st)
        node = graph.task(key)
        resources: list[Resource] = []
        holds: list[Hold] = []
        for prim in held:
            rkey = resource_key(prim)
            graph.prims[rkey] = prim
            res = graph.resource(rkey)
            resources.append(Resource(rkey, res.type, res.name, res.created_at, res.detail))
            since = next((h.since for h in res.holders if h.task == key), None)
            holds.append(Hold(rkey, since))
        how = {"raised": f"raised {st.exception}", "cancelled": "was cancelled"}.get(
            st.ended or "", "returned"
        )
        labels = ", ".join(r.label() for r in resources)
        message = (
            f"Task {node.name!r} {how} while holding {labels}; nobody released it since "
            "(a deadlock as soon as anything waits for it)"
        )
        report = TaskReport(
            key, node.name, "ended", holds=tuple(holds), ended=st.ended, exception=st.exception
        )
        first = holds[0].since if holds else None
        findings.append(
            Finding(ORPHANED_LOCK, message, first, (), (report,), tuple(resources), potential=True)
        )
    return findings


def _still_held_by(prim: object, st: taskstate.TaskState) -> bool:
    if getattr(prim, "_adl_shared", False):  # released by others before: not owned
        return False
    owner = getattr(prim, "_adl_owner", None)
    if owner is not None or hasattr(prim, "_locked"):
        return owner is st and bool(getattr(prim, "_locked", False))
    holders = prim.__dict__.get("_adl_holders") or {}
    return bool(holders.get(st, [0])[0] > 0)
