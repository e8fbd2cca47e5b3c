"""Names for primitives: the variable or attribute a creation line assigns to."""

from __future__ import annotations

import ast
import functools
import linecache


@functools.lru_cache(maxsize=1024)
def assigned_name(filename: str, line: int) -> str | None:
    """The target of `NAME = ...` / `self.attr = ...` on a source line, if it is one."""
    text = linecache.getline(filename, line).strip()
    if not text:
        return None
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    if len(tree.body) != 1:
        return None
    stmt = tree.body[0]
    target: ast.expr | None = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
    elif isinstance(stmt, ast.AnnAssign):
        target = stmt.target
    if isinstance(target, (ast.Name, ast.Attribute)):
        return ast.unparse(target)
    return None
