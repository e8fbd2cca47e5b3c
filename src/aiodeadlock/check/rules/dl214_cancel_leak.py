"""DL214: a manual acquire() whose releases a cancellation at a later await skips."""

from __future__ import annotations

import ast

from aiodeadlock.check.cancellation import leaks
from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import candidate, method_call, short
from aiodeadlock.check.summary import Candidate, Related
from aiodeadlock.check.walker import Walker

_EXEMPT = frozenset({"__aenter__", "__enter__", "acquire"})


def _handled(f: FunctionContext, handler: ast.ExceptHandler) -> str:
    t = handler.type
    return "except:" if t is None else f"except {ast.unparse(t)}:"


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag `await X.acquire()` statements whose lock a cancellation leaves held."""
    if not f.is_async or getattr(f.node, "name", "") in _EXEMPT:
        return []
    out: list[Candidate] = []
    done: set[str] = set()
    for node in f.of(ast.Expr):
        assert isinstance(node, ast.Expr)
        if not isinstance(node.value, ast.Await):
            continue
        m = method_call(node.value.value, "acquire")
        ref = f.ref_of(m[1]) if m else None
        if ref is None or ref in done:
            continue
        leak = leaks(f, w, ref, node.lineno)
        if leak is None:
            continue
        done.add(ref)
        name = short(f, ref)
        handler = _handled(f, leak.handler)
        out.append(
            candidate(
                f,
                "DL214",
                node,
                f"{name}.acquire(): a cancellation at the {leak.what} on line {leak.at.line} "
                f"skips the release in `{handler}` (line {leak.handler.lineno}; "
                "asyncio.CancelledError is a BaseException) and on the normal path, so the "
                f"{{kind}} stays held and every later acquire waits forever; use `async with "
                f"{name}:`, or release it in `finally:`",
                ref,
                "async_acquire",
                (
                    Related(leak.at, "a cancellation here skips the release"),
                    Related(f.loc(leak.handler), f"{name} is released only for exceptions here"),
                ),
            )
        )
    return out


RULE = Rule(
    "DL214",
    "cancel-leak",
    "After a manual acquire(), the lock is released on the normal path and in handlers "
    "narrower than BaseException (such as `except Exception:`), with an await in between: "
    "a cancellation there leaves the lock held.",
    "Use `async with lock:`, or put the release in `finally:` (or in `except BaseException:` "
    "followed by `raise`).",
    scan=scan,
)
