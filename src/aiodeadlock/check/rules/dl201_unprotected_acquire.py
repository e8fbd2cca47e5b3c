"""DL201: `acquire()` must be followed by `try/finally: release()` (or be an `async with`)."""

from __future__ import annotations

import ast

from aiodeadlock.check.asyncio_api import nonblocking
from aiodeadlock.check.cancellation import narrow_release, unguarded
from aiodeadlock.check.function import FunctionContext, own_nodes
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.rules.common import ancestors, candidate, method_call, parents, short
from aiodeadlock.check.summary import Candidate
from aiodeadlock.check.walker import Walker

_EXEMPT = frozenset({"__aenter__", "__enter__", "acquire", "__aexit__", "__exit__"})


def _acquire_ref(f: FunctionContext, stmt: ast.stmt) -> str | None:
    """Return the ref of `[await] X.acquire()` statements."""
    if not isinstance(stmt, ast.Expr):
        return None
    v = stmt.value
    awaited = isinstance(v, ast.Await)
    m = method_call(v.value if isinstance(v, ast.Await) else v, "acquire")
    if m is None or (not awaited and nonblocking(m[0])) or (not awaited and m[0].args):
        return None
    return f.ref_of(m[1])


def _releases(f: FunctionContext, nodes: list[ast.stmt], ref: str) -> bool:
    for node in own_nodes(nodes):
        m = method_call(node, "release")
        if m and f.ref_of(m[1]) == ref:
            return True
    return False


def _always_releases(f: FunctionContext, t: ast.Try, ref: str) -> bool:
    """True if the finally block releases `ref` unconditionally (top-level statement)."""
    for stmt in t.finalbody:
        m = method_call(stmt.value, "release") if isinstance(stmt, ast.Expr) else None
        if m and f.ref_of(m[1]) == ref:
            return True
    return False


def _is_release(f: FunctionContext, stmt: ast.stmt, ref: str) -> bool:
    """True for the statement `ref.release()` itself."""
    m = method_call(stmt.value, "release") if isinstance(stmt, ast.Expr) else None
    return m is not None and f.ref_of(m[1]) == ref


def _harmless(stmt: ast.stmt) -> bool:
    """A statement that cannot suspend, return or raise on purpose."""
    if not isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Expr, ast.Pass)):
        return False
    return not any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom)) for n in ast.walk(stmt))


def _protects(f: FunctionContext, stmt: ast.stmt, ref: str) -> bool:
    if not isinstance(stmt, ast.Try):
        return False
    if _releases(f, stmt.finalbody, ref):
        return True
    for h in stmt.handlers:
        broad = h.type is None or (isinstance(h.type, ast.Name) and h.type.id == "BaseException")
        if broad and _releases(f, h.body, ref):
            return True
    return False


def _followers(f: FunctionContext, stmt: ast.stmt) -> list[ast.stmt]:
    """Statements that run after `stmt`, climbing out of `if`/`with`/`try` blocks it ends."""
    links = parents(f)
    out: list[ast.stmt] = []
    cur: ast.AST = stmt
    while True:
        owner = links.get(cur)
        if owner is None:
            return out
        for field in ("body", "orelse", "finalbody"):
            block = getattr(owner, field, None)
            if isinstance(block, list) and cur in block:
                out.extend(block[block.index(cur) + 1 :])
                break
        climb = (ast.If, ast.With, ast.AsyncWith, ast.Try)
        if not isinstance(owner, climb) or any(not _harmless(s) for s in out):
            return out
        if isinstance(owner, ast.Try) and cur not in owner.body:
            return out
        cur = owner


def scan(f: FunctionContext, w: Walker) -> list[Candidate]:
    """Flag acquire() statements whose release is not guaranteed by try/finally."""
    if f.is_module or getattr(f.node, "name", "") in _EXEMPT:
        return []
    out: list[Candidate] = []
    for node in f.of(ast.Expr):
        if not isinstance(node, ast.Expr):
            continue
        ref = _acquire_ref(f, node)
        if ref is None:
            continue
        name = short(f, ref)
        if not _releases(f, f.body, ref):
            # no release here: a hand-off, unless the function raises straight away
            if isinstance(node.value, ast.Await) and _raises_next(f, node):
                out.append(
                    candidate(
                        f,
                        "DL201",
                        node,
                        f"{name}.acquire() is followed by a raise with no release: the "
                        "{kind} stays held forever; use `async with "
                        f"{name}:`",
                        ref,
                        "lock",
                    )
                )
            continue
        if not isinstance(node.value, ast.Await) and not f.is_async:
            continue  # sync code often uses thread locks as cross-thread signals
        if (
            isinstance(node.value, ast.Await)
            and narrow_release(f, node, ref)
            and not unguarded(f, w, ref, node.lineno)
        ):
            continue  # exception handlers release it: a cancellation leak is DL214's
        kinds = "lock" if isinstance(node.value, ast.Await) else "thread_lock"
        inside = [a for a in ancestors(f, node) if isinstance(a, ast.Try)]
        awaited = kinds == "lock"
        guarding = [t for t in inside if node in _flat(t.body) and _releases(f, t.finalbody, ref)]
        if guarding and not (awaited and any(_always_releases(f, t, ref) for t in guarding)):
            continue  # released by the enclosing finally (e.g. guarded by a flag)
        if guarding:
            out.append(
                candidate(
                    f,
                    "DL201",
                    node,
                    f"{name}.acquire() inside the try whose finally releases it: if acquire() "
                    "is cancelled, finally releases a {kind} this task does not hold; "
                    "acquire before `try`, or use `async with`",
                    ref,
                    kinds,
                )
            )
            continue
        rest = _followers(f, node)
        while rest and _harmless(rest[0]) and not _protects(f, rest[0], ref):
            if _is_release(f, rest[0], ref):
                break  # released before anything can suspend or raise on purpose
            rest = rest[1:]
        if rest and (_protects(f, rest[0], ref) or _is_release(f, rest[0], ref)):
            continue
        out.append(
            candidate(
                f,
                "DL201",
                node,
                f"{name}.acquire() is not followed by try/finally {name}.release(): an "
                "exception or cancellation leaves the {kind} held forever; use "
                f"`{'async with' if awaited else 'with'} {name}:`",
                ref,
                kinds,
            )
        )
    return out


def _raises_next(f: FunctionContext, stmt: ast.stmt) -> bool:
    """True if, after harmless statements, the next statement is a `raise`."""
    rest = _followers(f, stmt)
    while rest and _harmless(rest[0]):
        rest = rest[1:]
    return bool(rest) and isinstance(rest[0], ast.Raise)


def _flat(body: list[ast.stmt]) -> set[ast.AST]:
    return {n for s in body for n in ast.walk(s)}


RULE = Rule(
    "DL201",
    "unprotected-acquire",
    "acquire() not released on every path (no try/finally), or acquired inside the try "
    "whose finally releases it.",
    "Use `async with lock:` (or `with lock:`), or call acquire() immediately before "
    "`try:` and release() in `finally:`.",
    scan=scan,
)
