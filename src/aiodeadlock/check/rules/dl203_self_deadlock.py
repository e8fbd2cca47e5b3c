"""DL203: a task re-takes a non-reentrant lock (or Semaphore(1)) it already holds."""

from __future__ import annotations

from aiodeadlock.check.callgraph import node_qual
from aiodeadlock.check.effects import Effect, effects_of
from aiodeadlock.check.findings import Finding, where
from aiodeadlock.check.project import Project
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.summary import Loc, Related


def _steps(e: Effect, start: Loc) -> list[Related]:
    """The calls between the reported call and the inner acquire, outermost first."""
    try:
        i = e.path.index(start)
    except ValueError:
        return []
    return [Related(at, "which calls this") for at in e.path[i + 1 :]]


def check(p: Project) -> list[Finding]:
    """Find acquisitions (direct or through awaited calls) of a lock the task holds."""
    out: list[Finding] = []
    for node, effects in effects_of(p).items():
        fn = p.functions[node_qual(node)]
        for e in effects:
            if e.op != "acq":
                continue
            for h in e.held:
                if h.ref != e.ref or h.at == e.at:
                    continue
                kind = p.kind_in(fn, e.ref, "mutex")
                if kind is None:
                    continue
                name = p.display(e.ref)
                if h.join is None:
                    out.append(
                        Finding(
                            "DL203",
                            e.at,
                            f"{name} ({kind}) is acquired again while this task already holds "
                            f"it (acquired at line {h.at.line}): the task waits for itself",
                            (Related(h.at, f"{name} first acquired here"),),
                        )
                    )
                else:
                    alias = f" (as {e.name})" if e.name and e.name != name else ""
                    subclass = node.partition("@")[2].rpartition(".")[2]
                    whose = f" when the object is a {subclass}" if subclass else ""
                    steps = _steps(e, h.join)
                    out.append(
                        Finding(
                            "DL203",
                            h.join,
                            f"this call acquires {name} ({kind}) again at {where(e.at, h.join)}"
                            f"{alias} while it is held (acquired at {where(h.at, h.join)}){whose}"
                            ": the task waits for itself",
                            (
                                Related(e.at, f"{name} acquired again here{alias}"),
                                *steps,
                                Related(h.at, f"{name} held since here"),
                            ),
                        )
                    )
                break
    return out


RULE = Rule(
    "DL203",
    "self-deadlock",
    "A task acquires a non-reentrant lock or the only permit of a Semaphore(1) that it "
    "already holds, directly or through an awaited call.",
    "Do not take the lock again: pass a flag or split the function into a locked wrapper "
    "and an unlocked helper (`_do_locked`) that callers holding the lock use.",
    check=check,
)
