"""DL211: Condition misuse: wait()/notify() without holding it, wait() outside a loop."""

from __future__ import annotations

import ast

from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import ancestors, candidate, method_call, short
from aiodeadlock.check.summary import Candidate
from aiodeadlock.check.walker import Walker


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Check each Condition wait/notify against the held set and the enclosing loop."""
    if f.is_module:
        return []
    out: list[Candidate] = []
    acquired = [(e.ref, e.at.line) for e in w.events if e.op == "acq" and e.detail == "acquire"]
    for e in w.events:
        if e.detail not in ("wait", "wait_for", "notify", "notify_all"):
            continue
        held = {h.ref for h in w.real_held.get(e.at, e.held)}
        alias = f.scope.aliases.get(e.ref) or f.cond_locks.get(e.ref)
        if e.ref in held or (alias and alias in held):
            continue
        if any(r in (e.ref, alias) and line < e.at.line for r, line in acquired):
            continue  # acquired explicitly earlier (released elsewhere)
        name = short(f, e.ref)
        verb = "waits on" if e.detail.startswith("wait") else "notifies"
        out.append(
            candidate(
                f,
                "DL211",
                e.at,
                f"{name}.{e.detail}() {verb} {{kind}} {name} without holding it (RuntimeError "
                f"as soon as it waits or notifies); wrap it in `async with {name}:`",
                e.ref,
                "async_condition",
                flags="callers",
            )
        )
    for node in f.of(ast.Await):
        if not isinstance(node, ast.Await):
            continue
        m = method_call(node.value, "wait")
        if m is None or m[0].args or m[0].keywords:
            continue
        ref = f.ref_of(m[1])
        if ref is None:
            continue
        if any(isinstance(a, ast.While) for a in ancestors(f, node)):
            continue
        name = short(f, ref)
        out.append(
            candidate(
                f,
                "DL211",
                node,
                f"{name}.wait() on {{kind}} is not in a `while` loop re-checking the predicate: "
                f"a wake-up does not mean the condition holds; use "
                f"`await {name}.wait_for(predicate)`",
                ref,
                "async_condition",
            )
        )
    return out


RULE = Rule(
    "DL211",
    "condition-misuse",
    "Condition misuse: wait()/wait_for()/notify() without holding the condition, or wait() "
    "not inside a predicate loop.",
    "`async with cond: await cond.wait_for(lambda: ready)`; notify inside `async with cond:`.",
    scan=scan,
)
