"""Pass 1: turn one source file into a ModuleSummary (facts and rule candidates)."""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from aiodeadlock.check.function import FunctionContext
from aiodeadlock.check.rules import Rule
from aiodeadlock.check.scope import ModuleScope, import_bindings, top_level
from aiodeadlock.check.summary import (
    Call,
    Candidate,
    FuncSummary,
    Loc,
    ModuleSummary,
    empty_module,
)
from aiodeadlock.check.walker import Walker

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.I)


def noqa_lines(source: str) -> tuple[tuple[int, str], ...]:
    """Return (line, codes) for lines with a `# noqa` comment; codes "" means all."""
    out: list[tuple[int, str]] = []
    if "noqa" not in source and "NOQA" not in source and "NoQA" not in source:
        return ()
    for number, line in enumerate(source.splitlines(), 1):
        if "#" not in line:
            continue
        m = _NOQA.search(line)
        if m:
            codes = m.group("codes") or ""
            out.append((number, ",".join(re.split(r"[\s,]+", codes.upper().strip()))))
    return tuple(out)


def analyze_source(
    source: str,
    path: str,
    module: str,
    is_package: bool,
    rules: Sequence[Rule],
    constructors: Mapping[str, str],
) -> ModuleSummary:
    """Parse `source` and summarise it; a syntax error yields a summary with `error` set."""
    noqa = noqa_lines(source)
    tree = _parse(source, path)
    if not isinstance(tree, ast.Module):
        return empty_module(path, module, noqa, tree)
    scope = ModuleScope(tree, module, path, is_package, constructors)
    out = _Collected(rules, dict(scope.aliases))
    top = FunctionContext(scope, tree, module, None, None)
    _summarise(top, f"{module}.<module>", out)
    _visit(tree.body, module, None, top, scope, out)
    return ModuleSummary(
        path,
        module,
        tuple(sorted(scope.imports.items())),
        tuple(sorted(scope.known_kinds().items())),
        tuple(sorted(out.aliases.items())),
        tuple(sorted(scope.bases.items())),
        tuple(sorted(scope.methods.items())),
        tuple(sorted(set(scope.binds + out.binds))),
        tuple(out.tasks),
        tuple(out.functions),
        noqa,
        None,
    )


def _parse(source: str, path: str) -> ast.Module | Candidate:
    """The syntax tree of `source`, or the DL200 candidate of its syntax error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning: invalid escape sequence
            return ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None) or 1
        col = getattr(exc, "offset", None) or 1
        msg = getattr(exc, "msg", None) or str(exc)
        return Candidate("DL200", Loc(path, line, col), f"syntax error: {msg}", None, "", (), "")


def analyze_imports(source: str, path: str, module: str) -> ModuleSummary:
    """Summarise a package `__init__.py` that has nothing to analyse: only its imports."""
    tree = _parse(source, path)
    if not isinstance(tree, ast.Module):
        return empty_module(path, module, noqa_lines(source), tree)
    imports = import_bindings(top_level(tree), module, True)
    return empty_module(path, module)._replace(imports=tuple(sorted(imports.items())))


@dataclass
class _Collected:
    """What pass 1 gathers over one module's functions."""

    rules: Sequence[Rule]
    aliases: dict[str, str]
    functions: list[FuncSummary] = field(default_factory=list)
    tasks: list[tuple[str, Call]] = field(default_factory=list)
    binds: list[tuple[str, str, str]] = field(default_factory=list)


def _visit(
    body: list[ast.stmt],
    prefix: str,
    cls: str | None,
    parent: FunctionContext,
    scope: ModuleScope,
    out: _Collected,
) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            qual = f"{prefix}.{node.name}"
            ctx = FunctionContext(scope, node, qual, cls, parent)
            _summarise(ctx, qual, out)
            _visit(_nested(ctx), qual, None, ctx, scope, out)
        elif isinstance(node, ast.ClassDef):
            name = f"{prefix}.{node.name}"
            _visit(node.body, name, name, parent, scope, out)
        elif isinstance(node, (ast.If, ast.Try)) and parent.is_module:
            _visit(node.body + node.orelse, prefix, cls, parent, scope, out)


def _nested(ctx: FunctionContext) -> list[ast.stmt]:
    """Return the function and class definitions nested anywhere in a function body."""
    return ctx.of(ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)  # type: ignore[return-value]


_RAISES = ("assertRaises", "assertRaisesRegex", "raises")


def _expected_failure_lines(ctx: FunctionContext) -> set[int]:
    """Lines inside `with pytest.raises(...)` / `with self.assertRaises(...)` blocks."""
    lines: set[int] = set()
    for node in ctx.of(ast.With, ast.AsyncWith):
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            continue
        for item in node.items:
            ce = item.context_expr
            func = ce.func if isinstance(ce, ast.Call) else None
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in _RAISES:
                end = getattr(node, "end_lineno", None) or node.lineno
                lines.update(range(node.lineno, end + 1))
    return lines


_CM_DECORATORS = frozenset({"contextlib.contextmanager", "contextlib.asynccontextmanager"})


def _is_cm_factory(ctx: FunctionContext) -> bool:
    """Decorated with contextlib.contextmanager or asynccontextmanager."""
    node = ctx.node
    if isinstance(node, ast.Module):
        return False
    return any(ctx.qualname(d) in _CM_DECORATORS for d in node.decorator_list)


def _summarise(ctx: FunctionContext, qual: str, out: _Collected) -> None:
    walker = Walker(ctx).run()
    out.aliases.update(ctx.cond_locks)
    binds = ctx.attribute_binds()
    out.binds.extend(binds)
    candidates: list[Candidate] = []
    for rule in () if ctx.plain else out.rules:
        if rule.scan is not None:
            candidates.extend(rule.scan(ctx, walker))
    expected = _expected_failure_lines(ctx)
    if expected:
        candidates = [c for c in candidates if c.at.line not in expected]
    out.tasks.extend(walker.task_assigns)
    kinds = dict(ctx.param_kinds)
    for name, kind in ctx.local_kinds.items():
        kinds[f"l:{ctx.qual}:{name}"] = kind
    facts = walker.events or walker.calls or walker.joins or walker.rcts or candidates
    if not (facts or binds or walker.awaits or ctx.local_kinds or ctx.param_kinds):
        return
    yields = walker.yield_held or ()
    out.functions.append(
        FuncSummary(
            qual,
            ctx.scope.path,
            ctx.is_async,
            ctx.params,
            tuple(sorted(kinds.items())),
            tuple(walker.events),
            tuple(walker.calls),
            tuple(walker.joins),
            tuple(walker.rcts),
            tuple(walker.awaits),
            tuple(candidates),
            tuple(h.ref for h in yields),
            _is_cm_factory(ctx),
            tuple(walker.returns),
        )
    )
