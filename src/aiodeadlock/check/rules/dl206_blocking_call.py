"""DL206: a blocking thread-synchronization call inside `async def`."""

from __future__ import annotations

import ast

from aiodeadlock.check.asyncio_api import nonblocking
from aiodeadlock.check.function import FunctionContext, own_nodes
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate, method_call, parents, short
from aiodeadlock.check.summary import Candidate
from aiodeadlock.check.walker import Walker

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


def _joins_finished_thread(f: FunctionContext, recv: ast.expr, at: int) -> bool:
    """`t.join()` after awaiting a future handed to `t` at creation: the thread is done."""
    if not isinstance(recv, ast.Name):
        return False
    values = f.assigned.get(recv.id, [])
    if len(values) != 1 or not isinstance(values[0], ast.Call):
        return False
    handed = {n.id for n in ast.walk(values[0]) if isinstance(n, ast.Name)}
    for node in f.of(ast.FunctionDef, ast.AsyncFunctionDef):
        if getattr(node, "name", None) in handed:  # a nested thread target: its free names
            handed |= {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    for node in f.of(ast.Await):
        if not isinstance(node, ast.Await):
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in handed and node.lineno < at:
            return True
    return False


def _fire_and_forget(body: list[ast.stmt], pool: str) -> bool:
    """True if the block submits a job whose future it drops (`pool.submit(...)` statement)."""
    for node in own_nodes(body):
        if isinstance(node, ast.Expr):
            m = method_call(node.value, "submit", "map")
            if m and isinstance(m[1], ast.Name) and m[1].id == pool:
                return True
    return False


def _executor_exits(f: FunctionContext) -> list[Candidate]:
    """`with ThreadPoolExecutor() as pool:` in a coroutine: the exit joins every job."""
    out: list[Candidate] = []
    for node in f.of(ast.With):
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            if f.scope.ctor_kind(item.context_expr, f.imports) != "concurrent.futures.Executor":
                continue
            name = item.optional_vars.id if isinstance(item.optional_vars, ast.Name) else None
            if name and _fire_and_forget(node.body, name):
                out.append(
                    candidate(
                        f,
                        "DL206",
                        item.context_expr,
                        "leaving this executor's `with` block inside async def waits on the event "
                        "loop's thread for the job submitted without waiting for it "
                        "(shutdown(wait=True)); await it with `loop.run_in_executor` instead",
                        None,
                        "",
                    )
                )
    return out


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag blocking waits on threading/queue/executor objects in coroutines."""
    if not f.is_async:
        return []
    out: list[Candidate] = _executor_exits(f)
    links = parents(f)
    for node in f.of(ast.Call):
        m = method_call(node, *_CLASS, "result")
        if m is None or isinstance(links.get(node), ast.Await):
            continue
        call, recv, method = m
        if _exempt(call, method):
            continue
        if method == "join" and _joins_finished_thread(f, recv, call.lineno):
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
