"""Compose per-function events across calls: every function's transitive lock effects."""

from __future__ import annotations

from typing import NamedTuple

from aiodeadlock.check.callgraph import Node, call_graph
from aiodeadlock.check.managers import held_ref, with_lock
from aiodeadlock.check.project import Project
from aiodeadlock.check.refs import display
from aiodeadlock.check.summary import FuncSummary, Held, Loc

_CAP = 400
_PATH = 6


class Effect(NamedTuple):
    """An event reachable from a function, expressed in that function's frame."""

    op: str
    ref: str
    at: Loc
    held: tuple[Held, ...]
    detail: str
    fn: str
    same: bool
    via: Loc | None
    path: tuple[Loc, ...] = ()  # the calls from this frame down to the event (first found)
    name: str = ""  # the name the event's own code uses for the object


def effects_of(p: Project) -> dict[Node, list[Effect]]:
    """Return the project's effects table (by call-graph node), computing it once."""
    if "effects" not in p.memo:
        p.memo["effects"] = compute_effects(p)
    result: dict[Node, list[Effect]] = p.memo["effects"]
    return result


def _key(e: Effect) -> tuple[object, ...]:
    return (e.op, e.ref, e.at, tuple((h.ref, h.at, h.join) for h in e.held), e.same)


class _Frames:
    """Held refs of a function as the object of a class sees them (memoized)."""

    def __init__(self, p: Project) -> None:
        self.p = p
        self.memo: dict[tuple[str, str | None, str], str | None] = {}

    def lock(self, fn: FuncSummary, cls: str | None, ref: str) -> str | None:
        key = (fn.qual, cls, ref)
        if key not in self.memo:
            real = held_ref(self.p, fn, ref)
            self.memo[key] = None if real is None else self.p.lock_of(self.p.canon_in(real, cls))
        return self.memo[key]

    def held(self, fn: FuncSummary, cls: str | None, held: tuple[Held, ...]) -> list[Held]:
        out: list[Held] = []
        for h in held:
            ref = self.lock(fn, cls, h.ref)
            if ref is not None:
                out.append(Held(ref, h.at, h.join))
        return out


def _own(p: Project, frames: _Frames, fn: FuncSummary, cls: str | None) -> list[Effect]:
    """A node's own events, and the locks its `with` items take through context managers."""
    out: list[Effect] = []
    for ev in fn.events:
        held = tuple(frames.held(fn, cls, ev.held))
        if ev.op in ("acq", "rel"):
            target = p.lock_of(p.canon_in(ev.ref, cls))
        else:
            target = p.canon_in(ev.ref, cls)
        name = display(ev.ref)
        out.append(Effect(ev.op, target, ev.at, held, ev.detail, fn.qual, True, None, (), name))
    for call in fn.calls:
        if call.mode in ("enter", "aenter"):
            lock = with_lock(p, fn, call)
            if lock is not None:
                held = tuple(frames.held(fn, cls, call.held))
                target = p.lock_of(p.canon_in(lock, cls))
                detail = "async with" if call.mode == "aenter" else "with"
                name = display(lock)
                effect = Effect("acq", target, call.at, held, detail, fn.qual, True, None, (), name)
                out.append(effect)
    return out


def compute_effects(p: Project) -> dict[Node, list[Effect]]:
    """Return node -> effects (own events and those of callees, substituted)."""
    graph = call_graph(p)
    frames = _Frames(p)
    table: dict[Node, dict[tuple[object, ...], Effect]] = {}
    work: list[Node] = []
    queued: set[Node] = set()
    for node, (fn, cls) in graph.nodes.items():
        own = _own(p, frames, fn, cls)
        if own:
            table[node] = {_key(e): e for e in own}
            work.append(node)
            queued.add(node)
    rounds = 0
    while work and rounds < 200_000:
        rounds += 1
        node = work.pop()
        queued.discard(node)
        callee = graph.nodes[node][0]
        effects = list(table[node].values())
        for caller_node, call in graph.callers.get(node, ()):
            same = p.same_task(call, callee)
            if same is None or caller_node == node:
                continue
            caller, cls = graph.nodes[caller_node]
            mine = table.setdefault(caller_node, {})
            grew = False
            outer = frames.held(caller, cls, call.held) if same else []
            for e in effects:
                if len(mine) >= _CAP:
                    break
                ref = p.subst(call, callee, e.ref)
                if ref is None:
                    continue
                chain: list[Held] = []
                seen: set[str] = set()
                if e.same:
                    for h in outer:
                        if h.ref not in seen:
                            seen.add(h.ref)
                            chain.append(Held(h.ref, h.at, call.at))
                for h in e.held:
                    r = p.subst(call, callee, h.ref)
                    if r is not None and r not in seen:
                        seen.add(r)
                        chain.append(Held(r, h.at, h.join))
                ne = Effect(
                    e.op,
                    ref,
                    e.at,
                    tuple(chain),
                    e.detail,
                    e.fn,
                    e.same and same,
                    call.at,
                    (call.at, *e.path)[:_PATH],
                    e.name,
                )
                k = _key(ne)
                if k not in mine:
                    mine[k] = ne
                    grew = True
            if grew and caller_node not in queued:
                queued.add(caller_node)
                work.append(caller_node)
    return {q: list(v.values()) for q, v in table.items()}
