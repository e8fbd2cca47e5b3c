"""DL208: a task awaits itself (`await asyncio.current_task()` or its own stored task)."""

from __future__ import annotations

import ast

from aiodeadlock.check.findings import Finding, where
from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.kinds import CURRENT_TASK
from aiodeadlock.check.project import Project
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate
from aiodeadlock.check.summary import Candidate, Related
from aiodeadlock.check.walker import Walker

_CURRENT = frozenset({"asyncio.current_task", "asyncio.tasks.current_task"})
_WRAPPERS = frozenset({"asyncio.gather", "asyncio.wait_for", "asyncio.shield", "asyncio.wait"})


def _is_current(f: FunctionContext, node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and not node.args:
        return f.qualname(node.func) in _CURRENT
    if isinstance(node, ast.Name):
        values = f.assigned.get(node.id, [])
        return bool(values) and all(v is not None and _is_current(f, v) for v in values)
    return False


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag awaits of the current task."""
    if not f.is_async:
        return []
    out: list[Candidate] = []
    for node in f.of(ast.Await):
        if not isinstance(node, ast.Await):
            continue
        v = node.value
        targets = [v]
        if isinstance(v, ast.Call) and f.qualname(v.func) in _WRAPPERS:
            targets = list(v.args)
        if any(_is_current(f, t) for t in targets):
            out.append(
                candidate(
                    f,
                    "DL208",
                    node,
                    "the task awaits itself (asyncio.current_task()): it can never finish",
                    None,
                    "",
                )
            )
    return out


def _parent_awaited(p: Project) -> list[Finding]:
    """A child awaits the task that created it (passed in) while that task waits for it."""
    out: list[Finding] = []
    for fn in p.iter_functions():
        for join in fn.joins:
            for call in join.calls:
                target = p.resolve(call)
                if target is None:
                    continue
                child = p.functions[target]
                for aref, at in child.awaits:
                    if not aref.startswith("p:") or "." in aref:
                        continue
                    arg = p.arg_ref(call, child, aref[2:])
                    if arg is None or CURRENT_TASK not in p.kinds_of(fn, arg):
                        continue
                    out.append(
                        Finding(
                            "DL208",
                            at,
                            f"awaits {aref[2:]}, the task that started this one (line "
                            f"{call.at.line}), while that task waits for this one at "
                            f"{where(join.at, at)}: each waits for the other",
                            (
                                Related(call.at, "the current task is passed in here"),
                                Related(join.at, "and waits for this task here"),
                            ),
                        )
                    )
    return out


def check(p: Project) -> list[Finding]:
    """Flag awaits of a stored task inside the coroutine that task runs."""
    out: list[Finding] = _parent_awaited(p)
    for ref, calls in p.tasks.items():
        target_ref = p.canon(ref)
        for call in calls:
            start = p.resolve(call)
            if start is None:
                continue
            seen = {start}
            frontier = [start]
            while frontier:
                qual = frontier.pop()
                fn = p.functions[qual]
                for aref, at in fn.awaits:
                    if p.canon(aref) == target_ref:
                        out.append(
                            Finding(
                                "DL208",
                                at,
                                f"awaits {p.display(ref)}, the task running this very coroutine "
                                f"(created at line {call.at.line}): it waits for itself",
                                (Related(call.at, "the task is created here"),),
                            )
                        )
                for c in fn.calls:
                    nxt = p.resolve(c) if c.mode == "await" else None
                    if nxt and nxt not in seen and len(seen) < 200:
                        seen.add(nxt)
                        frontier.append(nxt)
    return out


RULE = Rule(
    "DL208",
    "await-self",
    "A task awaits itself: `await asyncio.current_task()`, awaiting the stored task object "
    "inside the coroutine that task runs, or a child awaiting the parent task passed to it "
    "while the parent awaits the child.",
    "Never await the current task; signal completion with an asyncio.Event or a Future instead.",
    scan=scan,
    check=check,
)
