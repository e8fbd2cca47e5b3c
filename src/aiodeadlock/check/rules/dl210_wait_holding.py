"""DL210: waiting on an Event/Queue/Condition while holding a lock its setter needs."""

from __future__ import annotations

from aiodeadlock.check.callgraph import node_qual
from aiodeadlock.check.effects import Effect, effects_of
from aiodeadlock.check.findings import Finding, where
from aiodeadlock.check.project import Project
from aiodeadlock.check.refs import has_param
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.summary import Loc, Related


def check(p: Project) -> list[Finding]:
    """Report waits whose every wake-up site needs a lock the waiter holds."""
    waits: list[tuple[str, Effect]] = []
    signals: dict[str, dict[Loc, set[str]]] = {}
    signal_fn: dict[Loc, str] = {}
    for node, effects in effects_of(p).items():
        for e in effects:
            if has_param(e.ref):
                continue
            if e.op == "wait" and e.held:
                waits.append((node_qual(node), e))
            elif e.op == "signal":
                sites = signals.setdefault(e.ref, {})
                sites.setdefault(e.at, set()).update(h.ref for h in e.held)
                signal_fn[e.at] = e.fn
    out: dict[Loc, Finding] = {}
    for qual, w in waits:
        fn = p.functions[qual]
        sites = signals.get(w.ref, {})
        if not sites or w.at in out or p.kind_in(fn, w.ref, "waitable") is None:
            continue
        if any(signal_fn[at] == w.fn for at in sites):
            continue
        mine = {p.aliases.get(w.ref), w.ref}
        for h in w.held:
            if h.ref in mine or h.ref.startswith("p:"):
                continue
            if not all(h.ref in needed for needed in sites.values()):
                continue
            if p.kind_in(fn, h.ref, "async_mutex") is None:
                continue
            at = min(sites)
            obj, name = p.display(w.ref), p.display(h.ref)
            out[w.at] = Finding(
                "DL210",
                w.at,
                f"waits on {obj} while holding {name} (acquired at line {h.at.line}), but "
                f"{obj} is only set/notified while holding {name} (e.g. {where(at, w.at)}): "
                "the waker can never run",
                (
                    Related(at, f"{obj} is woken here, under {name}"),
                    Related(h.at, f"{name} held since here"),
                ),
            )
            break
    return list(out.values())


RULE = Rule(
    "DL210",
    "wait-holding-setter-lock",
    "Waiting on an Event/Queue/Condition while holding a lock that every setter/putter/"
    "notifier of that object needs.",
    "Release the lock before waiting (or wait on a Condition built on that lock, whose "
    "wait() releases it).",
    check=check,
)
