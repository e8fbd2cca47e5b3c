"""Helpers shared by rule modules: candidate construction and parent links."""

from __future__ import annotations

import ast

from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.summary import Candidate, Loc, Related


def candidate(
    f: FunctionContext,
    code: str,
    where: ast.AST | Loc,
    message: str,
    ref: str | None,
    kinds: str,
    related: tuple[Related, ...] = (),
    flags: str = "",
) -> Candidate:
    """Build a candidate; `{kind}` and `{name}` in the message are filled in pass 2."""
    at = where if isinstance(where, Loc) else f.loc(where)
    return Candidate(code, at, message, ref, kinds, related, flags)


def parents(f: FunctionContext) -> dict[ast.AST, ast.AST]:
    """Return child -> parent links for the function's own nodes."""
    return f.parent_links()


def ancestors(f: FunctionContext, node: ast.AST) -> list[ast.AST]:
    """Return the ancestors of `node` inside the function, innermost first."""
    links = parents(f)
    out: list[ast.AST] = []
    cur = links.get(node)
    while cur is not None and cur is not f.node:
        out.append(cur)
        cur = links.get(cur)
    return out


def method_call(node: ast.AST, *names: str) -> tuple[ast.Call, ast.expr, str] | None:
    """If `node` is `X.m(...)` with m in `names`, return (call, X, m)."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ):
        return node, node.func.value, node.func.attr
    return None


def short(f: FunctionContext, ref: str) -> str:
    """Return a short display name of a ref."""
    if ref.startswith("a:"):
        return "self." + ref.rpartition(".")[2]
    if ref.startswith(("l:", "p:")):
        return ref.rpartition(":")[2]
    return ref.rpartition(".")[2]
