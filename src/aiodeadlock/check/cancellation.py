"""Where a cancellation at an `await` skips every release of a manually acquired lock.

asyncio.CancelledError derives from BaseException: `except Exception:` (or any narrower
handler) does not see it, so a release placed only there and on the normal path is skipped
when the task is cancelled at an await in between.
"""

from __future__ import annotations

import ast
import builtins
from typing import NamedTuple

from aiodeadlock.check.function import FunctionContext, own_nodes
from aiodeadlock.check.summary import Loc
from aiodeadlock.check.walker import Walker

_CANCEL = frozenset(
    {
        "BaseException",
        "asyncio.CancelledError",
        "asyncio.exceptions.CancelledError",
        "CancelledError",
        "trio.Cancelled",
    }
)


class Leak(NamedTuple):
    """A cancellation at `at` leaves `ref` held; `handler` is the narrow handler that releases."""

    ref: str
    at: Loc
    what: str
    handler: ast.ExceptHandler


def releases(f: FunctionContext, body: list[ast.stmt], ref: str) -> bool:
    """True if `body` calls `ref.release()` somewhere."""
    for node in own_nodes(body):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "release"
            and f.ref_of(node.func.value) == ref
        ):
            return True
    return False


def _type_names(f: FunctionContext, handler: ast.ExceptHandler) -> list[str | None]:
    t = handler.type
    elts = t.elts if isinstance(t, ast.Tuple) else [t] if t is not None else []
    out: list[str | None] = []
    for e in elts:
        if isinstance(e, ast.Name) and e.id not in f.scope.imports and hasattr(builtins, e.id):
            out.append(e.id)
        else:
            out.append(f.qualname(e))
    return out


def catches_cancellation(f: FunctionContext, handler: ast.ExceptHandler) -> bool:
    """True unless every type the handler names is known not to catch CancelledError."""
    if handler.type is None:
        return True
    return not all(_narrow(name) for name in _type_names(f, handler))


def _narrow(name: str | None) -> bool:
    """A known exception type that is not CancelledError or one of its bases."""
    if name is None or name in _CANCEL:
        return False
    last = name.rpartition(".")[2]
    if "." not in name:
        builtin = getattr(builtins, name, None)
        if isinstance(builtin, type) and issubclass(builtin, BaseException):
            return builtin is not BaseException
    if "Cancel" in last:
        return False
    return last.endswith(("Error", "Exception", "Warning", "Exit", "Interrupt", "Timeout"))


def _reraises(handler: ast.ExceptHandler) -> bool:
    return any(isinstance(n, ast.Raise) for n in own_nodes(handler.body))


def _suspensions(f: FunctionContext) -> list[tuple[ast.AST, Loc, str]]:
    """Each await-like node with the location the walker records for it, in source order."""
    out: list[tuple[ast.AST, Loc, str]] = []
    for node in f.of(ast.Await, ast.AsyncWith, ast.AsyncFor):
        if isinstance(node, ast.Await):
            out.append((node, f.loc(node), "await"))
        elif isinstance(node, ast.AsyncFor):
            out.append((node, f.loc(node), "async for"))
        elif isinstance(node, ast.AsyncWith):
            for item in node.items:
                out.append((node, f.loc(item.context_expr), "async with"))
    return out


class Guard(NamedTuple):
    """What a cancellation at an await meets on its way out of the function."""

    released: bool  # a finally, or a handler that catches cancellation, releases (or stops it)
    narrow: ast.ExceptHandler | None  # the innermost narrower handler that releases


def _guard(f: FunctionContext, node: ast.AST, ref: str) -> Guard:
    links = f.parent_links()
    narrow: ast.ExceptHandler | None = None
    child: ast.AST = node
    parent = links.get(child)
    while parent is not None and parent is not f.node:
        if isinstance(parent, ast.Try) or type(parent).__name__ == "TryStar":
            t: ast.Try = parent  # type: ignore[assignment]
            if child in t.body:
                for h in t.handlers:
                    if catches_cancellation(f, h):
                        if releases(f, h.body, ref) or not _reraises(h):
                            return Guard(True, narrow)
                    elif narrow is None and releases(f, h.body, ref):
                        narrow = h
            if child not in t.finalbody and releases(f, t.finalbody, ref):
                return Guard(True, narrow)
        child, parent = parent, links.get(parent)
    return Guard(False, narrow)


def _held_suspensions(
    f: FunctionContext, w: Walker, ref: str, after: int
) -> list[tuple[ast.AST, Loc, str]]:
    """Suspension points after line `after` where `ref` is held on every path."""
    held_at = {loc: {h.ref for h in held} for loc, held in w.suspends}
    return [s for s in _suspensions(f) if s[1].line > after and ref in held_at.get(s[1], ())]


def leaks(f: FunctionContext, w: Walker, ref: str, after: int) -> Leak | None:
    """The first await after line `after` where `ref` is held and a cancellation skips the
    release that a narrow handler (`except Exception:`) makes."""
    for node, at, what in _held_suspensions(f, w, ref, after):
        guard = _guard(f, node, ref)
        if not guard.released and guard.narrow is not None:
            return Leak(ref, at, what, guard.narrow)
    return None


def unguarded(f: FunctionContext, w: Walker, ref: str, after: int) -> bool:
    """True if some await after line `after` holds `ref` with no handler or finally around
    it that releases it (neither for exceptions nor for cancellation)."""
    for node, _, _ in _held_suspensions(f, w, ref, after):
        guard = _guard(f, node, ref)
        if not guard.released and guard.narrow is None:
            return True
    return False


def narrow_release(f: FunctionContext, stmt: ast.stmt, ref: str) -> bool:
    """True if a try around or right after `stmt` releases `ref` in an exception handler."""
    links = f.parent_links()
    cur: ast.AST = stmt
    while cur is not None and cur is not f.node:
        parent = links.get(cur)
        if (
            isinstance(parent, ast.Try)
            and cur in parent.body
            and any(releases(f, h.body, ref) for h in parent.handlers)
        ):
            return True
        cur = parent  # type: ignore[assignment]
    following = _next_statement(f, stmt)
    return isinstance(following, ast.Try) and any(
        releases(f, h.body, ref) for h in following.handlers
    )


def _next_statement(f: FunctionContext, stmt: ast.stmt) -> ast.stmt | None:
    owner = f.parent_links().get(stmt)
    for field in ("body", "orelse", "finalbody"):
        block = getattr(owner, field, None)
        if isinstance(block, list) and stmt in block:
            i = block.index(stmt)
            return block[i + 1] if i + 1 < len(block) else None
    return None
