"""Compose per-function events across calls: every function's transitive lock effects."""

from __future__ import annotations

from typing import NamedTuple

from aiodeadlock.check.project import Project
from aiodeadlock.check.summary import Held, Loc

_CAP = 400


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


def effects_of(p: Project) -> dict[str, list[Effect]]:
    """Return the project's effects table, computing it once."""
    if "effects" not in p.memo:
        p.memo["effects"] = compute_effects(p)
    result: dict[str, list[Effect]] = p.memo["effects"]
    return result


def _key(e: Effect) -> tuple[object, ...]:
    return (e.op, e.ref, e.at, tuple((h.ref, h.at, h.join) for h in e.held), e.same)


def compute_effects(p: Project) -> dict[str, list[Effect]]:
    """Return qualname -> effects (own events and those of callees, substituted)."""
    table: dict[str, dict[tuple[object, ...], Effect]] = {}
    work: list[str] = []
    queued: set[str] = set()
    for fn in p.iter_functions():
        if not fn.events:
            continue
        own: dict[tuple[object, ...], Effect] = {}
        for ev in fn.events:
            held = tuple(Held(p.lock_of(h.ref), h.at, h.join) for h in ev.held)
            target = p.lock_of(ev.ref) if ev.op in ("acq", "rel") else p.canon(ev.ref)
            e = Effect(ev.op, target, ev.at, held, ev.detail, fn.qual, True, None)
            own[_key(e)] = e
        table[fn.qual] = own
        work.append(fn.qual)
        queued.add(fn.qual)
    rounds = 0
    while work and rounds < 200_000:
        rounds += 1
        qual = work.pop()
        queued.discard(qual)
        callee = p.functions[qual]
        effects = list(table[qual].values())
        for caller, call in p.callers.get(qual, ()):
            same = p.same_task(call, callee)
            if same is None or caller.qual == qual:
                continue
            mine = table.setdefault(caller.qual, {})
            grew = False
            for e in effects:
                if len(mine) >= _CAP:
                    break
                ref = p.subst(call, callee, e.ref)
                if ref is None:
                    continue
                chain: list[Held] = []
                seen: set[str] = set()
                if same and e.same:
                    for h in call.held:
                        if h.ref not in seen:
                            seen.add(h.ref)
                            chain.append(Held(h.ref, h.at, call.at))
                for h in e.held:
                    r = p.subst(call, callee, h.ref)
                    if r is not None and r not in seen:
                        seen.add(r)
                        chain.append(Held(r, h.at, h.join))
                ne = Effect(e.op, ref, e.at, tuple(chain), e.detail, e.fn, e.same and same, call.at)
                k = _key(ne)
                if k not in mine:
                    mine[k] = ne
                    grew = True
            if grew and caller.qual not in queued:
                queued.add(caller.qual)
                work.append(caller.qual)
    return {q: list(v.values()) for q, v in table.items()}
