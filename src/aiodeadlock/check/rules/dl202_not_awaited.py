"""DL202: an asyncio primitive's coroutine method called without `await`."""

from __future__ import annotations

import ast

from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate, method_call, short
from aiodeadlock.check.summary import Candidate
from aiodeadlock.check.walker import Walker

_CLASS = {
    "acquire": "async_acquire",
    "wait": "async_wait",
    "wait_for": "async_condition",
    "get": "async_queue",
    "put": "async_queue",
    "join": "async_queue",
}


def _tested(node: ast.expr) -> list[ast.expr]:
    """Expressions whose value is only used for truth or discarded."""
    if isinstance(node, ast.BoolOp):
        return [x for v in node.values for x in _tested(v)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return _tested(node.operand)
    return [node]


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag `lock.acquire()`, `event.wait()`, `queue.get()` ... whose coroutine is dropped."""
    out: list[Candidate] = []
    for node in f.of(ast.Expr, ast.If, ast.While, ast.IfExp, ast.Assert):
        exprs: list[ast.expr] = []
        if isinstance(node, ast.Expr):
            exprs = [node.value]
        elif isinstance(node, (ast.If, ast.While, ast.IfExp, ast.Assert)):
            exprs = _tested(node.test)
        for e in exprs:
            m = method_call(e, *_CLASS)
            if m is None:
                continue
            ref = f.ref_of(m[1])
            if ref is None:
                continue
            name = short(f, ref)
            out.append(
                candidate(
                    f,
                    "DL202",
                    e,
                    f"{name}.{m[2]}() of {{kind}} is a coroutine and is not awaited: it does "
                    f"nothing; write `await {name}.{m[2]}(...)`",
                    ref,
                    _CLASS[m[2]],
                )
            )
    return out


RULE = Rule(
    "DL202",
    "primitive-not-awaited",
    "An asyncio primitive's acquire()/wait()/get()/put()/join() is called without await.",
    "Await the call: `await lock.acquire()`, `await event.wait()`, `await queue.get()`.",
    scan=scan,
)
