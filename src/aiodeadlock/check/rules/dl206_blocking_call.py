"""DL206: a blocking thread-synchronization call inside `async def`."""

from __future__ import annotations

import ast

from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate, method_call, parents, short
from aiodeadlock.check.summary import Candidate
from aiodeadlock.check.walker import Walker, nonblocking

_CLASS = {
    "acquire": "thread_lock",
    "wait": "thread_wait",
    "get": "thread_queue",
    "put": "thread_queue",
    "join": "thread_join",
}


def _zero_or_false(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value in (0, False) and node.value is not None


def _exempt(call: ast.Call, method: str) -> bool:
    """Non-blocking, zero-timeout, or explicitly bounded by a timeout argument."""
    if nonblocking(call):
        return True
    for kw in call.keywords:
        if kw.arg == "timeout" and not (
            isinstance(kw.value, ast.Constant) and kw.value.value is None
        ):
            return True
    args = call.args
    timeout_at = {"join": 0, "wait": 0, "result": 0, "acquire": 1, "get": 1, "put": 2}
    pos = timeout_at.get(method)
    if pos is not None and len(args) > pos:
        value = args[pos]
        if not (isinstance(value, ast.Constant) and value.value is None):
            return True
    if method in ("acquire", "get", "wait", "join", "result") and args:
        return _zero_or_false(args[0])
    if method == "put" and len(args) > 1:
        return _zero_or_false(args[1])
    return False


def _submit_ref(f: FunctionContext, recv: ast.expr) -> str | None:
    """Return the executor ref X of `X.submit(...)` (directly or via a local variable)."""
    if isinstance(recv, ast.Name):
        values = f.assigned.get(recv.id, [])
        if len(values) != 1 or values[0] is None:
            return None
        recv = values[0]
    m = method_call(recv, "submit")
    return f.ref_of(m[1]) if m else None


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag blocking waits on threading/queue/executor objects in coroutines."""
    if not f.is_async:
        return []
    out: list[Candidate] = []
    links = parents(f)
    for node in f.of(ast.Call):
        m = method_call(node, *_CLASS, "result")
        if m is None or isinstance(links.get(node), ast.Await):
            continue
        call, recv, method = m
        if _exempt(call, method):
            continue
        if method == "result":
            ref = _submit_ref(f, recv)
            cls = "executor"
            what = "concurrent.futures.Future.result()"
        else:
            ref = f.ref_of(recv)
            cls = _CLASS[method]
            what = f"{{kind}}.{method}()"
        if ref is None:
            continue
        out.append(
            candidate(
                f,
                "DL206",
                call,
                f"blocking call {what} on {short(f, ref)} inside async def: it blocks the event "
                "loop; use the asyncio primitive, or run it with `await asyncio.to_thread(...)`",
                ref,
                cls,
            )
        )
    return out


RULE = Rule(
    "DL206",
    "blocking-sync-in-async",
    "Blocking thread synchronization (threading lock acquire, Event/Condition wait, "
    "queue.Queue get/put, Thread.join, executor Future.result()) inside async def.",
    "Use the asyncio equivalent, pass a zero timeout / blocking=False, or move the call to "
    "`await asyncio.to_thread(...)` / `loop.run_in_executor(...)`.",
    scan=scan,
)
