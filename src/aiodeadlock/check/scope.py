"""Module-level name facts: imports, definitions, and kinds of globals and attributes."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping

from aiodeadlock.check.kinds import ANNOTATIONS, SEMAPHORES, semaphore_kind
from aiodeadlock.check.refs import elements

_DEFAULTDICTS = frozenset({"collections.defaultdict", "defaultdict"})
_CONTAINER_TYPES = frozenset(
    {
        "dict",
        "list",
        "typing.Dict",
        "typing.List",
        "typing.Mapping",
        "typing.MutableMapping",
        "typing.Sequence",
        "typing.DefaultDict",
        "collections.defaultdict",
        "collections.abc.Mapping",
        "collections.abc.MutableMapping",
        "collections.abc.Sequence",
        "weakref.WeakValueDictionary",
    }
)
_WRAPPERS = frozenset({"typing.Optional", "typing.Union", "typing.Final", "typing.ClassVar"})


def _import_target(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """Return the absolute module an ImportFrom refers to."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    keep = len(parts) - node.level + (1 if is_package else 0)
    base = ".".join(parts[: max(keep, 0)])
    if node.module:
        return f"{base}.{node.module}" if base else node.module
    return base


def import_bindings(
    nodes: Iterator[ast.AST] | list[ast.stmt] | list[ast.AST], module: str, is_package: bool
) -> dict[str, str]:
    """Return local name -> dotted target for the import statements among `nodes`."""
    out: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    out[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    out[head] = head
        elif isinstance(node, ast.ImportFrom):
            target = _import_target(module, is_package, node)
            for alias in node.names:
                if alias.name != "*":
                    out[alias.asname or alias.name] = f"{target}.{alias.name}".lstrip(".")
    return out


class ModuleScope:
    """What one module defines and imports, and the kinds of its globals and attributes."""

    def __init__(
        self,
        tree: ast.Module,
        module: str,
        path: str,
        is_package: bool,
        constructors: Mapping[str, str],
    ) -> None:
        self.module = module
        self.path = path
        self.constructors = dict(constructors)
        self.imports = import_bindings(top_level(tree), module, is_package)
        self.defs: dict[str, str] = {}
        self.global_names: set[str] = set()
        self.kinds: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.binds: list[tuple[str, str, str]] = []
        self.bases: dict[str, tuple[str, ...]] = {}
        self.methods: dict[str, tuple[str, ...]] = {}
        for stmt in tree.body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.defs[stmt.name] = f"{module}.{stmt.name}"
            for target in _assigned_names(stmt):
                self.global_names.add(target)
        self._scan_subclasses(tree.body, module)
        self._scan_globals(tree)
        self._scan_classes(tree.body, module)

    # -- name resolution -------------------------------------------------------------------
    def qualname(
        self, expr: ast.expr, local_imports: Mapping[str, str] | None = None
    ) -> str | None:
        """Return the dotted name `expr` refers to at module level, if it is a plain path."""
        if isinstance(expr, ast.Name):
            if local_imports and expr.id in local_imports:
                return local_imports[expr.id]
            if expr.id in self.imports:
                return self.imports[expr.id]
            if expr.id in self.defs or expr.id in self.global_names:
                return f"{self.module}.{expr.id}"
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, local_imports)
            return f"{base}.{expr.attr}" if base else None
        return None

    def ctor_kind(
        self, expr: ast.expr | None, local_imports: Mapping[str, str] | None = None
    ) -> str | None:
        """Return the kind of object `expr` constructs, if it calls a known constructor."""
        if not isinstance(expr, ast.Call):
            return None
        name = self.qualname(expr.func, local_imports)
        kind = self.constructors.get(name) if name else None
        if kind in SEMAPHORES:
            permits: int | None = 1
            value = expr.args[0] if expr.args else None
            for kw in expr.keywords:
                if kw.arg in ("value", "initial_value"):
                    value = kw.value
            if value is not None:
                const = value.value if isinstance(value, ast.Constant) else None
                permits = const if isinstance(const, int) else None
            return semaphore_kind(kind, permits)
        return kind

    def annotation_kind(self, ann: ast.expr | None) -> str | None:
        """Return the kind an annotation names (`asyncio.Lock`, `Lock | None`, ...)."""
        if ann is None:
            return None
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return self.annotation_kind(ann.left) or self.annotation_kind(ann.right)
        if isinstance(ann, ast.Subscript):
            outer = self._type_name(ann.value)
            if outer in _WRAPPERS:
                inner = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
                for elt in inner:
                    kind = self.annotation_kind(elt)
                    if kind:
                        return kind
            if outer:  # `asyncio.Queue[Item]`
                return ANNOTATIONS.get(outer) or self.constructors.get(outer)
            return None
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                return self.annotation_kind(ast.parse(ann.value, mode="eval").body)
            except SyntaxError:
                return None
        name = self.qualname(ann)
        if name is None:
            return None
        return ANNOTATIONS.get(name) or self.constructors.get(name)

    def _type_name(self, expr: ast.expr) -> str | None:
        """Dotted name of a type in an annotation (`dict` and `Optional` included)."""
        if isinstance(expr, ast.Name) and expr.id in ("dict", "list"):
            return expr.id
        name = self.qualname(expr)
        if name and name.startswith("typing_extensions."):
            return "typing." + name.partition(".")[2]
        return name

    def element_annotation_kind(self, ann: ast.expr | None) -> str | None:
        """Kind of the elements of `dict[str, asyncio.Lock]`, `list[asyncio.Lock]`, ..."""
        if not isinstance(ann, ast.Subscript):
            return None
        outer = self._type_name(ann.value)
        if outer in _WRAPPERS:
            inner = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            kinds = {self.element_annotation_kind(e) for e in inner} - {None}
            return kinds.pop() if len(kinds) == 1 else None
        if outer not in _CONTAINER_TYPES:
            return None
        last = ann.slice.elts[-1] if isinstance(ann.slice, ast.Tuple) else ann.slice
        return self.annotation_kind(last)

    def element_kind(
        self, expr: ast.expr | None, local_imports: Mapping[str, str] | None = None
    ) -> str | None:
        """Kind of the elements of a container of fresh locks built by `expr`, if all agree.

        `defaultdict(asyncio.Lock)`, `{k: asyncio.Lock() for k in ...}`, `[Lock() for ...]`,
        and literals whose items are all one kind. (`[Lock()] * n` is one lock, not counted.)
        """
        values: list[ast.expr] = []
        if isinstance(expr, ast.Call) and expr.args:
            name = self.qualname(expr.func, local_imports)
            if name in _DEFAULTDICTS or (
                isinstance(expr.func, ast.Name) and expr.func.id == "defaultdict"
            ):
                factory = expr.args[0]
                if isinstance(factory, ast.Lambda):
                    values = [factory.body]
                else:
                    fname = self.qualname(factory, local_imports)
                    kind = self.constructors.get(fname) if fname else None
                    return semaphore_kind(kind, 1) if kind in SEMAPHORES else kind
        elif isinstance(expr, ast.DictComp):
            values = [expr.value]
        elif isinstance(expr, (ast.ListComp, ast.SetComp)):
            values = [expr.elt]
        elif isinstance(expr, (ast.List, ast.Tuple)):
            values = list(expr.elts)
        elif isinstance(expr, ast.Dict):
            values = list(expr.values)
        kinds = {self.ctor_kind(v, local_imports) for v in values}
        return kinds.pop() if len(kinds) == 1 and None not in kinds else None

    def annotation_class(self, ann: ast.expr | None) -> str | None:
        """Return the dotted class an annotation names (`Account`, `Account | None`)."""
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            return self.annotation_class(ann.left) or self.annotation_class(ann.right)
        if isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name):
            return self.annotation_class(ann.slice) if ann.value.id == "Optional" else None
        if not isinstance(ann, (ast.Name, ast.Attribute)):
            return None
        name = self.qualname(ann)
        return name if name and name.rpartition(".")[2][:1].isupper() else None

    # -- pre-scans -------------------------------------------------------------------------
    def record_kind(self, ref: str, kind: str | None) -> None:
        """Note that `ref` is assigned an object of `kind` (two different kinds conflict)."""
        if kind is None:
            return
        if self.kinds.get(ref, kind) != kind:
            self.kinds[ref] = "?conflict"
        else:
            self.kinds[ref] = kind

    def record_global(
        self, name: str, value: ast.expr | None, local_imports: Mapping[str, str] | None = None
    ) -> None:
        """A module global assigned `value` (at top level, or in a function through `global`)."""
        ref = f"g:{self.module}.{name}"
        self.record_kind(ref, self.ctor_kind(value, local_imports))
        self.record_kind(elements(ref), self.element_kind(value, local_imports))
        kind = self.ctor_kind(value, local_imports)
        if isinstance(value, ast.Call) and value.args:
            lock = self.qualname(value.args[0], local_imports)
            if kind and kind.endswith("Condition") and lock:
                self.aliases[ref] = f"g:{lock}"
        if isinstance(value, (ast.Name, ast.Attribute)):
            target = self.qualname(value, local_imports)
            if target in self.constructors:  # `FairLock = asyncio.Lock`
                self.constructors[f"{self.module}.{name}"] = self.constructors[target]
            elif target and target != f"{self.module}.{name}":
                self.binds.append((ref, "", f"g:{target}"))
                return
        if kind is None:
            self.binds.append((ref, "", "?"))  # another value: not an alias of a name

    def _scan_subclasses(self, body: list[ast.stmt], prefix: str) -> None:
        """A class deriving from a known primitive constructs that kind too."""
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                for base in stmt.bases:
                    name = self.qualname(base)
                    kind = self.constructors.get(name) if name else None
                    if kind:
                        self.constructors[f"{prefix}.{stmt.name}"] = kind
                        break

    def _scan_globals(self, tree: ast.Module) -> None:
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        self.record_global(target.id, stmt.value)
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                ref = f"g:{self.module}.{stmt.target.id}"
                self.record_global(stmt.target.id, stmt.value)
                self.record_kind(ref, self.annotation_kind(stmt.annotation))
                self.record_kind(elements(ref), self.element_annotation_kind(stmt.annotation))

    def _scan_classes(self, body: list[ast.stmt], prefix: str) -> None:
        for stmt in body:
            if not isinstance(stmt, ast.ClassDef):
                continue
            cls = f"{prefix}.{stmt.name}"
            self.bases[cls] = tuple(b for b in (self.qualname(e) for e in stmt.bases) if b)
            self.methods[cls] = tuple(
                item.name
                for item in stmt.body
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
            )
            for item in stmt.body:
                if isinstance(item, ast.Assign):
                    for target in item.targets:
                        if isinstance(target, ast.Name):
                            self.record_kind(f"a:{cls}.{target.id}", self.ctor_kind(item.value))
                elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    kind = self.ctor_kind(item.value) or self.annotation_kind(item.annotation)
                    ref = f"a:{cls}.{item.target.id}"
                    self.record_kind(ref, kind)
                    self.record_kind(elements(ref), self.element_annotation_kind(item.annotation))
                elif isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    self._scan_method(item, cls)
            self._scan_classes(stmt.body, cls)

    def _scan_method(self, func: ast.FunctionDef | ast.AsyncFunctionDef, cls: str) -> None:
        args = func.args.posonlyargs + func.args.args
        if not args:
            return
        me = args[0].arg
        stored: dict[str, str] = {}  # parameter -> the attribute of self it is stored in
        conditions: list[tuple[str, ast.expr]] = []
        for node in _statements(func.body):
            value: ast.expr | None = None
            targets: list[ast.expr] = []
            ann: ast.expr | None = None
            if isinstance(node, ast.Assign):
                value, targets = node.value, node.targets
            elif isinstance(node, ast.AnnAssign):
                value, targets, ann = node.value, [node.target], node.annotation
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == me
                ):
                    ref = f"a:{cls}.{target.attr}"
                    kind = self.ctor_kind(value) or self.annotation_kind(ann)
                    self.record_kind(ref, kind)
                    element = self.element_kind(value) or self.element_annotation_kind(ann)
                    self.record_kind(elements(ref), element)
                    if isinstance(value, ast.Name):
                        stored[value.id] = target.attr
                    condition = kind and kind.endswith("Condition")
                    if condition and isinstance(value, ast.Call) and value.args:
                        conditions.append((ref, value.args[0]))
        for ref, lock in conditions:  # `Condition(self._lock)`, or `Condition(lock)` stored too
            if isinstance(lock, ast.Attribute) and isinstance(lock.value, ast.Name):
                if lock.value.id == me:
                    self.aliases[ref] = f"a:{cls}.{lock.attr}"
            elif isinstance(lock, ast.Name) and lock.id in stored:
                self.aliases[ref] = f"a:{cls}.{stored[lock.id]}"

    def known_kinds(self) -> dict[str, str]:
        """Return the recorded kinds, without conflicting ones."""
        return {k: v for k, v in self.kinds.items() if not v.startswith("?")}


def top_level(tree: ast.Module) -> Iterator[ast.AST]:
    """Yield module-level statements, looking inside if/try blocks (not functions)."""
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try)):
            stack.extend(node.body)
            stack.extend(node.orelse)
            if isinstance(node, ast.Try):
                stack.extend(node.finalbody)
                for handler in node.handlers:
                    stack.extend(handler.body)


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Yield every statement in `body`, recursively (expressions are not entered)."""
    stack: list[ast.stmt] = list(body)
    while stack:
        node = stack.pop()
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(node, field, None)
            if block:
                for item in block:
                    if isinstance(item, (ast.ExceptHandler, ast.match_case)):
                        stack.extend(item.body)
                    else:
                        stack.append(item)


def _assigned_names(stmt: ast.stmt) -> Iterator[str]:
    """Yield the names a module-level statement binds by assignment."""
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    yield node.id
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
        yield stmt.target.id
