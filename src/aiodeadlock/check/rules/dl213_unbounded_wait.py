"""DL213 (opt-in): a wait on an asyncio primitive with no timeout around it."""

from __future__ import annotations

import ast

from aiodeadlock.check.asyncio_api import TIMEOUTS
from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import ancestors, candidate, method_call, short
from aiodeadlock.check.summary import Candidate
from aiodeadlock.check.walker import Walker

_METHODS = ("acquire", "wait", "wait_for", "get", "join")


def _under_timeout(f: FunctionContext, node: ast.AST) -> bool:
    for a in ancestors(f, node):
        if isinstance(a, (ast.With, ast.AsyncWith)):
            for item in a.items:
                ce = item.context_expr
                if isinstance(ce, ast.Call) and f.qualname(ce.func) in TIMEOUTS:
                    return True
    return False


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag `await x.acquire()/wait()/get()/join()` and `async with lock` without a timeout."""
    if not f.is_async:
        return []
    out: list[Candidate] = []
    for node in f.of(ast.Await, ast.AsyncWith):
        target: ast.expr | None = None
        what = ""
        if isinstance(node, ast.Await):
            m = method_call(node.value, *_METHODS)
            if m:
                target, what = m[1], f"{m[2]}()"
        elif isinstance(node, ast.AsyncWith):
            for item in node.items:
                if f.ref_of(item.context_expr):
                    target, what = item.context_expr, "async with"
        if target is None or _under_timeout(f, node):
            continue
        ref = f.ref_of(target)
        if ref is None:
            continue
        out.append(
            candidate(
                f,
                "DL213",
                node,
                f"unbounded wait ({what}) on {{kind}} {short(f, ref)}: if it is never released "
                "or set, this task hangs silently; wrap it in `async with asyncio.timeout(...)`",
                ref,
                "async_blocking",
            )
        )
    return out


RULE = Rule(
    "DL213",
    "unbounded-wait",
    "(opt-in) A wait on an asyncio primitive without an enclosing asyncio.timeout()/wait_for().",
    "Bound the wait: `async with asyncio.timeout(10): await event.wait()` or "
    "`await asyncio.wait_for(event.wait(), 10)`.",
    default=False,
    scan=scan,
)
