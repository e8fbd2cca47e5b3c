"""DL209: awaiting a task (gather, TaskGroup) while holding a lock that task acquires."""

from __future__ import annotations

from aiodeadlock.check.effects import Effect, effects_of
from aiodeadlock.check.findings import Finding, where
from aiodeadlock.check.project import Project
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.summary import Call, Related


def _released_by(
    p: Project, effects: dict[str, list[Effect]], pairs: list[tuple[Call, bool]]
) -> set[str]:
    """Locks (in the joining frame) that one of the joined tasks releases."""
    out: set[str] = set()
    for call, _ in pairs:
        target = p.resolve(call)
        if target is None:
            continue
        callee = p.functions[target]
        for e in effects.get(target, ()):
            if e.op == "rel":
                ref = p.subst(call, callee, e.ref)
                if ref is not None:
                    out.add(ref)
    return out


def check(p: Project) -> list[Finding]:
    """Compare the locks held at each join point with the locks the joined tasks take."""
    effects = effects_of(p)
    out: list[Finding] = []
    for fn in p.iter_functions():
        for join in fn.joins:
            if not join.held:
                continue
            held = {h.ref: h for h in join.held}
            pairs: list[tuple[Call, bool]] = [(c, True) for c in join.calls]
            for ref in join.refs:
                pairs.extend((c, False) for c in p.tasks.get(p.canon(ref), ()))
            found = False
            released = _released_by(p, effects, pairs)
            for call, local in pairs:
                target = p.resolve(call)
                if target is None or found:
                    continue
                callee = p.functions[target]
                for e in effects.get(target, ()):
                    if e.op != "acq" or not e.same:
                        continue
                    sub = p.subst(call, callee, e.ref)
                    if sub is None or (not local and sub[0] not in "ag"):
                        continue
                    ref = sub
                    h = held.get(ref)
                    if ref in released:
                        continue  # another joined task releases it for this one
                    if h is None or p.kind_in(fn, ref, "async_mutex") is None:
                        continue
                    name = p.display(ref)
                    out.append(
                        Finding(
                            "DL209",
                            join.at,
                            f"waits for a task running {target.rpartition('.')[2]}() while "
                            f"holding {name} (acquired at line {h.at.line}), but that task "
                            f"acquires {name} at {where(e.at, join.at)}: neither can proceed",
                            (
                                Related(e.at, f"the task acquires {name} here"),
                                Related(h.at, f"{name} held since here"),
                            ),
                        )
                    )
                    found = True
                    break
    return out


RULE = Rule(
    "DL209",
    "await-task-holding-lock",
    "Awaiting a task, gather() or a TaskGroup while holding a lock that the awaited task's "
    "coroutine acquires.",
    "Release the lock before awaiting the task, or do not take the lock inside the task.",
    check=check,
)
