"""One function's scope: parameters, locals, and the ref an expression names."""

from __future__ import annotations

import ast

from aiodeadlock.check.refs import elements, item
from aiodeadlock.check.scope import ModuleScope, import_bindings
from aiodeadlock.check.summary import Loc

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


# Fields that never hold a child node rules need: names, flags, contexts and operators.
_SCALAR_FIELDS = frozenset(
    {
        "ctx",
        "op",
        "ops",
        "id",
        "attr",
        "arg",
        "name",
        "names",
        "asname",
        "kind",
        "type_comment",
        "level",
        "module",
        "is_async",
        "conversion",
        "simple",
        "tag",
        "kwd_attrs",
        "rest",
        "str",
    }
)
_NONE_IN_LISTS = frozenset({"keys", "kw_defaults"})
_FIELDS: dict[type, tuple[str, ...]] = {
    ast.Constant: (),
    ast.MatchSingleton: (),
    ast.Name: (),
    ast.Pass: (),
    ast.Break: (),
    ast.Continue: (),
}


def _fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = tuple(f for f in cls._fields if f not in _SCALAR_FIELDS)  # type: ignore[attr-defined]
        _FIELDS[cls] = names
    return names


def children(node: ast.AST) -> list[ast.AST]:
    """Child nodes of `node` in field order, without context and operator leaves."""
    out: list[ast.AST] = []
    for name in _fields(type(node)):
        value = getattr(node, name, None)
        if type(value) is list:
            if name in _NONE_IN_LISTS:
                out.extend(v for v in value if v is not None)
            else:
                out.extend(value)
        elif value is not None and isinstance(value, ast.AST):
            out.append(value)
    return out


_SCOPE_TYPES = frozenset(_SCOPES)
# Method and function names of synchronization, waiting and task APIs: a sync function that
# calls none of them (and has no `with`, `yield` or `global`) holds and waits for nothing.
_SYNC_API = frozenset(
    {
        "acquire",
        "release",
        "locked",
        "wait",
        "wait_for",
        "notify",
        "notify_all",
        "set",
        "get",
        "put",
        "put_nowait",
        "get_nowait",
        "join",
        "result",
        "submit",
        "map",
        "setdefault",
        "create_task",
        "ensure_future",
        "gather",
        "shield",
        "as_completed",
        "run",
        "start",
        "start_soon",
        "run_coroutine_threadsafe",
        "current_task",
        "raises",
        "assertRaises",
        "assertRaisesRegex",
    }
)
_NOT_PLAIN = (ast.With, ast.AsyncWith, ast.Yield, ast.YieldFrom, ast.Global, ast.Await)
_SCALARS = frozenset({str, bytes, int, float, complex, bool})


def own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of `body` in source order, not entering nested scopes.

    Context and operator nodes (Load, Add, ...) carry nothing rules need and are skipped.
    """
    out: list[ast.AST] = []
    stack: list[ast.AST | None] = list(reversed(body))
    pop, push, append = stack.pop, stack.extend, out.append
    table = _FIELDS
    while stack:
        node = pop()
        if node is None:  # a hole in Dict.keys or arguments.kw_defaults
            continue
        append(node)
        cls = node.__class__
        names = table.get(cls)
        if names is None:
            names = _fields(cls)
        if not names or cls in _SCOPE_TYPES:
            continue
        if len(names) == 1:
            value = getattr(node, names[0], None)
            if value.__class__ is list:
                push(reversed(value))
            elif value is not None and value.__class__ not in _SCALARS:
                stack.append(value)
            continue
        kids: list[ast.AST] = []
        for name in names:
            value = getattr(node, name, None)
            if value.__class__ is list:
                kids.extend(value)
            elif value is not None and value.__class__ not in _SCALARS:
                kids.append(value)
        kids.reverse()
        push(kids)
    return out


class FunctionContext:
    """Scope facts of one function (or of a module's top-level code)."""

    def __init__(
        self,
        scope: ModuleScope,
        node: FunctionNode | ast.Module,
        qual: str,
        cls: str | None,
        parent: FunctionContext | None,
    ) -> None:
        self.scope = scope
        self.node = node
        self.qual = qual
        self.cls = cls
        self.parent = parent
        self.is_module = isinstance(node, ast.Module)
        self.is_async = isinstance(node, ast.AsyncFunctionDef)
        self.body: list[ast.stmt] = node.body
        self.nodes = own_nodes(self.body)
        self._by_type: dict[type, list[ast.AST]] = {}
        by_type = self._by_type
        for n in self.nodes:
            bucket = by_type.get(n.__class__)
            if bucket is None:
                by_type[n.__class__] = [n]
            else:
                bucket.append(n)
        self.params: tuple[str, ...] = ()
        self.param_kinds: dict[str, str] = {}
        self.self_name: str | None = None
        if not isinstance(node, ast.Module):
            a = node.args
            allargs = a.posonlyargs + a.args + a.kwonlyargs
            self.params = tuple(x.arg for x in allargs)
            for x in allargs:
                kind = scope.annotation_kind(x.annotation)
                if kind:
                    self.param_kinds[x.arg] = kind
                elif x.annotation is not None:
                    owner = scope.annotation_class(x.annotation)
                    if owner:
                        self.param_kinds[x.arg] = f"class:{owner}"
            decos = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
            if cls and a.posonlyargs + a.args and "staticmethod" not in decos:
                self.self_name = (a.posonlyargs + a.args)[0].arg
        self.plain = self._is_plain()
        self.imports = import_bindings(
            self.of(ast.Import, ast.ImportFrom),
            scope.module,
            False,
        )
        self._links: dict[ast.AST, ast.AST] | None = None
        self.nested: dict[str, str] = {}
        self.declared_global: set[str] = set()
        self.assigned: dict[str, list[ast.expr | None]] = {}
        self._scan_assignments()
        self.local_kinds: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.cond_locks: dict[str, str] = {}
        if not self.is_module:
            self._classify_locals()
        self._scan_element_assigns()

    def _is_plain(self) -> bool:
        """A sync function that calls no synchronization, waiting or task API, and has no
        `with`, `yield`, `global` or `await`: rules find nothing in it but its calls."""
        if self.is_async or self.is_module:
            return False
        by_type = self._by_type
        if any(t in by_type for t in _NOT_PLAIN):
            return False
        for node in by_type.get(ast.Call, ()):
            func = node.func  # type: ignore[attr-defined]
            name = func.attr if func.__class__ is ast.Attribute else getattr(func, "id", None)
            if name in _SYNC_API:
                return False
        return True

    def _assign(self, target: ast.expr, value: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            self.assigned.setdefault(target.id, []).append(value)
        elif isinstance(target, (ast.Tuple, ast.List)):
            pairs = (
                isinstance(value, (ast.Tuple, ast.List))
                and len(value.elts) == len(target.elts)
                and not any(isinstance(e, ast.Starred) for e in target.elts)
            )
            for i, elt in enumerate(target.elts):
                self._assign(elt, value.elts[i] if pairs else None)  # type: ignore[union-attr]
        elif isinstance(target, ast.Starred):
            self._assign(target.value, None)

    def _scan_assignments(self) -> None:
        kinds = (
            ast.Assign,
            ast.AnnAssign,
            ast.AugAssign,
            ast.For,
            ast.AsyncFor,
            ast.withitem,
            ast.NamedExpr,
            ast.ExceptHandler,
            ast.FunctionDef,
            ast.AsyncFunctionDef,
            ast.Global,
            ast.Nonlocal,
            ast.Import,
            ast.ImportFrom,
        )
        for node in self.of(*kinds):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    self._assign(target, node.value)
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                self._assign(node.target, node.value if isinstance(node, ast.AnnAssign) else None)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                self._assign(node.target, None)
            elif isinstance(node, ast.withitem) and node.optional_vars is not None:
                self._assign(node.optional_vars, None)
            elif isinstance(node, ast.NamedExpr):
                self._assign(node.target, node.value)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.assigned.setdefault(node.name, []).append(None)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.nested[node.name] = f"{self.qual}.{node.name}"
                self.assigned.setdefault(node.name, []).append(None)
            elif isinstance(node, (ast.Global, ast.Nonlocal)):
                self.declared_global.update(node.names)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for alias in node.names:
                    name = alias.asname or alias.name.split(".")[0]
                    self.assigned.setdefault(name, []).append(None)

    def _classify_locals(self) -> None:
        for name, values in self.assigned.items():
            if name in self.declared_global:
                self._assign_global(name, values)
                continue
            if name in self.imports or name in self.nested:
                continue
            held = {self.scope.element_kind(v, self.imports) for v in values}
            if len(held) == 1 and None not in held:
                self.local_kinds[elements(name)] = held.pop()  # type: ignore[assignment]
                continue
            kinds = {self.scope.ctor_kind(v, self.imports) for v in values}
            if len(kinds) == 1 and None not in kinds:
                kind = kinds.pop()
                assert kind is not None
                self.local_kinds[name] = kind
                value = values[0]
                if kind.endswith("Condition") and isinstance(value, ast.Call) and value.args:
                    lock = self.ref_of(value.args[0]) if len(values) == 1 else None
                    if lock:
                        self.cond_locks[f"l:{self.qual}:{name}"] = lock
            elif len(values) == 1 and values[0] is not None and name not in self.params:
                owner = self._instance_of(values[0])
                ref = None if owner else self._outer_ref(values[0])
                if owner:
                    self.local_kinds[name] = f"class:{owner}"
                elif ref:
                    self.aliases[name] = ref

    def _assign_global(self, name: str, values: list[ast.expr | None]) -> None:
        """`global NAME; NAME = asyncio.Lock()` gives the module global its kind."""
        if self.is_module or name not in self.scope.global_names:
            return
        for value in values:
            self.scope.record_global(name, value, self.imports)

    def attribute_binds(self) -> list[tuple[str, str, str]]:
        """(attribute ref, this function, value ref) for each `self.x = value`.

        The value ref is "?" for a value that is not trackable (so an attribute is an alias
        of another only if every assignment binds it to that other). A fresh object from a
        known constructor is recorded as the attribute's kind instead (see ModuleScope).
        """
        if not self.self_name or not self.cls:
            return []
        out: list[tuple[str, str, str]] = []
        for node in self.of(ast.Assign, ast.AnnAssign, ast.AugAssign):
            value = getattr(node, "value", None)
            if value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
            for target in targets:
                for attr, whole in self._self_attributes(target):
                    ref: str | None = None
                    if whole and not isinstance(node, ast.AugAssign):
                        if self.scope.ctor_kind(value, self.imports):
                            continue
                        ref = self.ref_of(value)
                    if ref is not None and ref.startswith("l:"):
                        kind = self.local_kinds.get(ref.rpartition(":")[2])
                        self.scope.record_kind(f"a:{self.cls}.{attr}", kind)
                        ref = None
                    out.append((f"a:{self.cls}.{attr}", self.qual, ref or "?"))
        return out

    def _self_attributes(self, target: ast.expr) -> list[tuple[str, bool]]:
        """Attributes of self assigned by `target`: (name, assigned the whole value)."""
        if (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == self.self_name
        ):
            return [(target.attr, True)]
        if isinstance(target, (ast.Tuple, ast.List)):
            return [(a, False) for e in target.elts for a, _ in self._self_attributes(e)]
        if isinstance(target, ast.Starred):
            return [(a, False) for a, _ in self._self_attributes(target.value)]
        return []

    def _scan_element_assigns(self) -> None:
        """`self._locks[key] = asyncio.Lock()` gives the container's elements their kind."""
        for node in self.of(ast.Assign):
            assert isinstance(node, ast.Assign)
            for target in node.targets:
                if isinstance(target, ast.Subscript):
                    kind = self.scope.ctor_kind(node.value, self.imports)
                    container = self.ref_of(target.value) if kind else None
                    if container and container[0] in "agl" and not container.endswith("]"):
                        self.scope.record_kind(elements(container), kind)

    def _instance_of(self, value: ast.expr) -> str | None:
        """Dotted class of `Class(...)` (by the capitalised-class convention), else None."""
        if not isinstance(value, ast.Call):
            return None
        name = self.scope.qualname(value.func, self.imports)
        if not name or name in self.scope.constructors:
            return None
        return name if name.rpartition(".")[2][:1].isupper() else None

    def of(self, *types: type[ast.AST]) -> list[ast.AST]:
        """Return this function's own nodes of exactly the given types, in source order."""
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        out = [n for t in types for n in self._by_type.get(t, [])]
        out.sort(key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))
        return out

    def parent_links(self) -> dict[ast.AST, ast.AST]:
        """Return child -> parent links for this function's own nodes (computed once)."""
        if self._links is None:
            links: dict[ast.AST, ast.AST] = {}
            for node in self.nodes:
                for child in ast.iter_child_nodes(node):
                    links[child] = node
            for stmt in self.body:
                links.setdefault(stmt, self.node)
            self._links = links
        return self._links

    # -- resolution ------------------------------------------------------------------------
    def loc(self, node: ast.AST) -> Loc:
        """Return the location of `node` (1-based column)."""
        return Loc(self.scope.path, getattr(node, "lineno", 0), getattr(node, "col_offset", 0) + 1)

    def qualname(self, expr: ast.expr) -> str | None:
        """Return the dotted name of `expr` if it names a module-level thing."""
        if isinstance(expr, ast.Name) and expr.id in self.assigned and expr.id not in self.imports:
            return None
        return self.scope.qualname(expr, self.imports)

    def _outer_ref(self, expr: ast.expr) -> str | None:
        """Resolve attribute, element and global refs, ignoring this function's locals."""
        if isinstance(expr, (ast.Subscript, ast.Call)):
            return self._element_ref(expr)
        if isinstance(expr, ast.Attribute):
            base = expr.value
            if isinstance(base, ast.Name) and self.self_name and base.id == self.self_name:
                if self.cls and base.id not in self.assigned:
                    return f"a:{self.cls}.{expr.attr}"
                return None
            if isinstance(base, ast.Name) and not self.is_module:
                kind = self.local_kinds.get(base.id, "")
                if kind.startswith("class:"):
                    return f"l:{self.qual}:{base.id}.{expr.attr}"
                if base.id in self.params and base.id not in self.assigned:
                    return f"p:{base.id}.{expr.attr}"
            if isinstance(base, ast.Name) and base.id in self.assigned:
                return None
            dotted = self.qualname(expr)
            return f"g:{dotted}" if dotted else None
        return None

    def ref_of(self, expr: ast.expr) -> str | None:
        """Return the ref (access path) `expr` denotes, or None if it is not trackable."""
        if isinstance(expr, ast.Name):
            return self.name_ref(expr.id)
        if isinstance(expr, ast.Call) and not self.is_module:
            kind = self.scope.ctor_kind(expr, self.imports)
            if kind:  # e.g. f(asyncio.Lock()): a fresh object only this call sees
                key = f"@{expr.lineno}:{expr.col_offset}"
                self.local_kinds[key] = kind
                return f"l:{self.qual}:{key}"
            return self._element_ref(expr)
        return self._outer_ref(expr)

    def _element_ref(self, expr: ast.Subscript | ast.Call) -> str | None:
        """`X[key]`, `X.get(key)`, `X.setdefault(key, Lock())`: the element of X under key."""
        if isinstance(expr, ast.Subscript):
            container, key = expr.value, expr.slice
        elif (
            isinstance(expr.func, ast.Attribute)
            and expr.func.attr in ("get", "setdefault")
            and expr.args
            and not expr.keywords
        ):
            container, key = expr.func.value, expr.args[0]
        else:
            return None
        base = self.ref_of(container)
        if base is None or base.endswith("]"):
            return None
        if isinstance(expr, ast.Call) and len(expr.args) == 2 and base[0] in "agl":
            self.scope.record_kind(elements(base), self.scope.ctor_kind(expr.args[1], self.imports))
        k = self.key_ref(key)
        return item(base, k) if k else None

    def key_ref(self, expr: ast.expr) -> str | None:
        """The ref of a container key (or of any argument): a constant, name or attribute."""
        if isinstance(expr, ast.Constant):
            text = repr(expr.value)
            ok = isinstance(expr.value, (str, bytes, int, float, bool)) or expr.value is None
            return f"c:{text}" if ok and len(text) <= 80 and "]" not in text else None
        if isinstance(expr, ast.Name):
            name = expr.id
            values = self.assigned.get(name)
            if values is None:
                ref = self.name_ref(name)
                return ref if ref is None or ref[0] in "pg" else None
            if self.is_module or name in self.declared_global:
                return self._global_ref(name)
            if len(values) == 1 and values[0] is not None and name not in self.params:
                return f"l:{self.qual}:{name}"
            return None
        if isinstance(expr, ast.Attribute):
            return self._outer_ref(expr)
        return None

    def name_ref(self, name: str) -> str | None:
        """Return the ref of a bare name in this scope."""
        if self.is_module or name in self.declared_global:
            return self._global_ref(name)
        if name in self.local_kinds or elements(name) in self.local_kinds:
            return f"l:{self.qual}:{name}"
        if name in self.aliases:
            return self.aliases[name]
        if name in self.assigned:
            return None
        if name in self.params:
            return f"p:{name}"
        if self.parent is not None and not self.parent.is_module:
            ref = self.parent.name_ref(name)
            return ref if ref and not ref.startswith("p:") else None
        return self._global_ref(name)

    def _global_ref(self, name: str) -> str | None:
        scope = self.scope
        if name in scope.global_names or name in scope.defs:
            return f"g:{scope.module}.{name}"
        if name in scope.imports:
            return f"g:{scope.imports[name]}"
        return None

    def callee(self, func: ast.expr) -> tuple[str, str] | None:
        """Return (dotted callee, via) for a call target, if it may be resolvable.

        `via` is "self" for `self.m()`, "super" for `super().m()`, else "".
        """
        if isinstance(func, ast.Name):
            ctx: FunctionContext | None = self
            while ctx is not None:
                if func.id in ctx.nested:
                    return ctx.nested[func.id], ""
                if func.id in ctx.assigned and not ctx.is_module:
                    return None
                ctx = ctx.parent
            name = self.scope.qualname(func, self.imports)
            return (name, "") if name else None
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id == self.self_name and self.cls:
                return f"{self.cls}.{func.attr}", "self"
            if self._is_super(base) and self.cls:
                return f"{self.cls}.{func.attr}", "super"
            if isinstance(base, ast.Name) and (
                base.id in self.imports or base.id in self.scope.imports
            ):
                name = self.qualname(func)
                return (name, "") if name else None
        return None

    def _is_super(self, expr: ast.expr) -> bool:
        """`super()` or `super(Cls, self)` inside a method."""
        return (
            isinstance(expr, ast.Call)
            and isinstance(expr.func, ast.Name)
            and expr.func.id == "super"
            and "super" not in self.assigned
            and self.self_name is not None
        )
