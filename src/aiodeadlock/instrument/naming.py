"""Names for primitives: the variable or attribute a creation line assigns to."""

from __future__ import annotations

import ast
import functools
import linecache
from types import CodeType

from aiodeadlock.instrument.sites import line_of


@functools.lru_cache(maxsize=1024)
def assigned_name(filename: str, line: int, column: int | None = None) -> str | None:
    """The target of `NAME = ...` / `self.attr = ...` on a source line, if it is one.

    With the column of the creating call, `a, b = Lock(), Lock()` names each one.
    """
    raw = linecache.getline(filename, line)
    text = raw.strip()
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
    value: ast.expr | None = None
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign):
        target, value = stmt.target, stmt.value
    if isinstance(target, (ast.Name, ast.Attribute)):
        return ast.unparse(target)
    if (
        column is not None
        and isinstance(target, ast.Tuple)
        and isinstance(value, ast.Tuple)
        and len(target.elts) == len(value.elts)
    ):
        col = column - (len(raw) - len(raw.lstrip()))  # the parsed text is unindented
        for name, item in zip(target.elts, value.elts, strict=True):
            end = item.end_col_offset if item.end_col_offset is not None else -1
            if item.col_offset <= col < end and isinstance(name, (ast.Name, ast.Attribute)):
                return ast.unparse(name)
    return None


def created_name(code: CodeType, lasti: int) -> str | None:
    """The name a primitive created at (code, lasti) was assigned to, if it can be told.

    `self.lock = Lock()` in a method of `Account` reads `Account.lock`.
    """
    name = assigned_name(code.co_filename, line_of(code, lasti), _column_of(code, lasti))
    qualname = getattr(code, "co_qualname", "")
    if name is not None and name.startswith("self.") and "." in qualname:
        owner = qualname.split(".")[-2]
        if owner != "<locals>":
            return f"{owner}.{name[5:]}"
    return name


def _column_of(code: CodeType, lasti: int) -> int | None:
    positions = getattr(code, "co_positions", None)  # 3.11+
    if positions is None or lasti < 0:
        return None
    for i, (_, _, col, _) in enumerate(positions()):
        if i == lasti // 2:
            return None if col is None else int(col)
    return None
