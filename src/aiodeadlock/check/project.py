"""Pass 2: index all module summaries; resolve calls, kinds and parameter substitution."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aiodeadlock.check.hierarchy import Hierarchy
from aiodeadlock.check.kinds import matches
from aiodeadlock.check.refs import RUNNING, elements, item, split_item
from aiodeadlock.check.refs import display as display_ref
from aiodeadlock.check.summary import Call, FuncSummary, ModuleSummary

_ENTER = ("enter", "aenter")


class Project:
    """All summaries of one run, with cross-file lookups."""

    def __init__(self, modules: Sequence[ModuleSummary], lock_order: Sequence[str] = ()) -> None:
        self.modules = {m.module: m for m in modules}
        self.lock_order = list(lock_order)
        self.functions: dict[str, FuncSummary] = {}
        self.imports: dict[str, dict[str, str]] = {}
        self.kinds: dict[str, str] = {}
        self.aliases: dict[str, str] = {}
        self.bases: dict[str, tuple[str, ...]] = {}
        self.methods: dict[str, tuple[str, ...]] = {}
        self.binds: dict[str, list[tuple[str, str]]] = {}
        self.tasks: dict[str, list[Call]] = {}
        self.param_kinds: dict[str, dict[str, str]] = {}
        for m in modules:
            self.imports[m.module] = dict(m.imports)
            self.kinds.update(m.kinds)
            self.aliases.update(m.aliases)
            self.bases.update(m.bases)
            self.methods.update(m.methods)
            for bound, qual, value in m.binds:
                self.binds.setdefault(bound, []).append((qual, value))
            for ref, call in m.tasks:
                self.tasks.setdefault(ref, []).append(call)
            for fn in m.functions:
                self.functions[fn.qual] = fn
                pk: dict[str, str] = {}
                for key, kind in fn.param_kinds:
                    if key.startswith("l:"):
                        self.kinds[key] = kind
                    else:
                        pk[key] = kind
                self.param_kinds[fn.qual] = pk
        self.hierarchy = Hierarchy(self.bases, self.methods, self._follow, self.functions)
        self._defined = {k for k in self.kinds if k.startswith("a:")} | set(self.binds)
        self._resolved: dict[tuple[str, str], str | None] = {}
        self.callers: dict[str, list[tuple[FuncSummary, Call]]] = {}
        for fn in self.functions.values():
            for call in fn.calls:
                target = self.resolve(call)
                if target is not None:
                    self.callers.setdefault(target, []).append((fn, call))
        self._kind_memo: dict[tuple[str, str], frozenset[str]] = {}
        self._canon_memo: dict[str, str] = {}
        self._in_memo: dict[tuple[str, str], str] = {}
        self.memo: dict[str, Any] = {}

    # -- names -----------------------------------------------------------------------------
    def _follow(self, dotted: str, depth: int = 0) -> str:
        """Follow re-exports: `pkg.name` imported into pkg from `pkg.sub.name`."""
        if depth > 5:
            return dotted
        parts = dotted.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            mod = ".".join(parts[:cut])
            imports = self.imports.get(mod)
            if imports is None:
                continue
            target = imports.get(parts[cut])
            if target is None or target == dotted:
                return dotted
            return self._follow(".".join([target, *parts[cut + 1 :]]), depth + 1)
        return dotted

    def resolve(self, call: Call) -> str | None:
        """Return the qualname of the project function a call reaches, if known.

        `self.m()` and `super().m()` are looked up from the class the calling method is
        defined in; calling a class runs its `__init__`.
        """
        key = (call.callee, call.via)
        if key in self._resolved:
            return self._resolved[key]
        result: str | None = None
        if call.via:
            cls, _, meth = call.callee.rpartition(".")
            after = cls if call.via == "super" else None
            result = self.hierarchy.lookup(cls, meth, after)
        elif call.callee in self.functions:
            result = call.callee
        else:
            followed = self._follow(call.callee)
            if followed in self.functions:
                result = followed
            elif self.hierarchy.is_class(followed):
                result = self.hierarchy.lookup(followed, "__init__")
        self._resolved[key] = result
        return result

    def constructed(self, call: Call) -> str | None:
        """The class a call instantiates, if it calls a class of the tree."""
        if call.via:
            return None
        followed = self._follow(call.callee)
        return followed if self.hierarchy.is_class(followed) else None

    def canon(self, ref: str) -> str:
        """Return the canonical form of a ref: re-exports followed, inherited attributes at
        their defining class, a name bound to another name's object replaced by that name."""
        if ref in self._canon_memo:
            return self._canon_memo[ref]
        self._canon_memo[ref] = ref  # a cycle of bindings ends here
        out = ref
        parts = split_item(ref)
        if parts is not None:
            key = parts[1]
            key = key if key.startswith(("c:", "p:", "l:")) else self.canon(key)
            out = item(self.canon(parts[0]), key)
        elif ref.startswith("g:"):
            out = "g:" + self._follow(ref[2:])
        elif ref.startswith("a:"):
            cls, _, attr = ref[2:].rpartition(".")
            owner = self._attr_owner(cls, attr, 0)
            if owner:
                out = f"a:{owner}.{attr}"
        if out[:2] in ("a:", "g:") and out not in self.kinds:
            same = self._same_object(out)
            if same is not None:
                out = self.canon(same)
        self._canon_memo[ref] = out
        return out

    def canon_in(self, ref: str, cls: str | None) -> str:
        """Canonical ref as seen from an object of class `cls` (attributes resolved from it)."""
        if cls is None or not ref.startswith("a:"):
            return self.canon(ref)
        key = (ref, cls)
        if key not in self._in_memo:
            owner, _, attr = ref[2:].rpartition(".")
            found = None
            if owner in self.hierarchy.mro(cls) and "[" not in attr:
                found = self._attr_owner(cls, attr, 0)
            self._in_memo[key] = self.canon(f"a:{found}.{attr}" if found else ref)
        return self._in_memo[key]

    def _same_object(self, ref: str) -> str | None:
        """The one attribute or global `ref` is always bound to (`self.b = self.a`), if any."""
        values = {value for _, value in self.binds.get(ref, ())}
        if len(values) != 1:
            return None
        value = values.pop()
        parts = split_item(value)
        if parts is not None and not parts[1].startswith(("c:", "g:")):
            return None  # an element under a key of the assigning frame
        return value if value[:2] in ("a:", "g:") and value != ref else None

    def _attr_owner(self, cls: str, attr: str, depth: int) -> str | None:
        if f"a:{cls}.{attr}" in self._defined:
            return cls
        if depth > 8:
            return None
        for base in self.bases.get(cls, ()):
            owner = self._attr_owner(self._follow(base), attr, depth + 1)
            if owner:
                return owner
        return None

    # -- kinds and substitution ------------------------------------------------------------
    def kinds_of(self, fn: FuncSummary, ref: str, depth: int = 0) -> frozenset[str]:
        """Return the kinds the object `ref` (in `fn`'s frame) may have."""
        parts = split_item(ref)
        if parts is not None:
            container = parts[0]
            if container.startswith("p:") and "." not in container:
                return self._from_callers(fn, container[2:], "[]", depth)
            kind = self.kinds.get(elements(self.canon(container)))
            return frozenset({kind}) if kind else frozenset()
        if ref.startswith("l:") and "." in ref.rpartition(":")[2]:
            base, _, attr = ref.rpartition(".")
            return self._class_attr(self.kinds.get(base), attr)
        if not ref.startswith("p:"):
            canon = self.canon(ref)
            kind = self.kinds.get(canon)
            if kind:
                return frozenset({kind})
            return self._bound_kinds(canon, depth) if canon in self.binds else frozenset()
        name = ref[2:]
        name, dot, attr = name.partition(".")
        if dot:
            return self._param_attr(fn, name, attr, depth)
        known = self.param_kinds.get(fn.qual, {}).get(name)
        if known:
            return frozenset({known})
        return self._from_callers(fn, name, "", depth)

    def _bound_kinds(self, ref: str, depth: int) -> frozenset[str]:
        """Kinds of an attribute or global bound to other refs (`self._lock = lock`)."""
        key = ("", ref)
        if key in self._kind_memo:
            return self._kind_memo[key]
        if depth > 6:
            return frozenset()
        self._kind_memo[key] = frozenset()
        found: set[str] = set()
        for qual, value in self.binds[ref][:20]:
            if value == "?":
                continue
            where = self.functions.get(qual)
            if where is not None:
                found |= self.kinds_of(where, value, depth + 1)
            elif not value.startswith(("p:", "l:")):
                kind = self.kinds.get(self.canon(value))
                found |= {kind} if kind else set()
        result = frozenset(found)
        self._kind_memo[key] = result
        return result

    def _class_attr(self, owner: str | None, attr: str) -> frozenset[str]:
        """Kinds of attribute `attr` of instances of class `owner` ("class:pkg.Cls")."""
        if not owner or not owner.startswith("class:"):
            return frozenset()
        kind = self.kinds.get(self.canon(f"a:{self._follow(owner[6:])}.{attr}"))
        return frozenset({kind}) if kind else frozenset()

    def _param_attr(self, fn: FuncSummary, name: str, attr: str, depth: int) -> frozenset[str]:
        """Kinds of `param.attr`: from the parameter's class annotation, or from callers."""
        known = self.param_kinds.get(fn.qual, {}).get(name)
        if known:
            return self._class_attr(known, attr)
        return self._from_callers(fn, name, attr, depth)

    def _from_callers(self, fn: FuncSummary, name: str, attr: str, depth: int) -> frozenset[str]:
        """Kinds of parameter `name` (or of `name.attr`) from what callers pass (memoized)."""
        key = (fn.qual, f"{name}.{attr}" if attr else name)
        if key in self._kind_memo:
            return self._kind_memo[key]
        if depth > 6:
            return frozenset()
        self._kind_memo[key] = frozenset()
        found: set[str] = set()
        for caller, call in self.callers.get(fn.qual, ())[:50]:
            arg = self.arg_ref(call, fn, name)
            if arg is None:
                continue
            if not attr:
                found |= self.kinds_of(caller, arg, depth + 1)
            elif _plain(arg) or (attr == "[]" and arg[:2] in ("a:", "g:")):
                found |= self.kinds_of(caller, elements(arg) if attr == "[]" else f"{arg}.{attr}")
        result = frozenset(found)
        self._kind_memo[key] = result
        return result

    def kind_in(self, fn: FuncSummary, ref: str, cls: str) -> str | None:
        """Return a kind of `ref` in kind class `cls`, or None."""
        return matches(self.kinds_of(fn, ref), cls)

    def arg_ref(self, call: Call, callee: FuncSummary, param: str) -> str | None:
        """Return the caller-frame ref passed for `param` of `callee` at `call`."""
        try:
            index = callee.params.index(param)
        except ValueError:
            return None
        if call.via or self.constructed(call):
            index -= 1
        if 0 <= index < len(call.args):
            return call.args[index]
        for key, value in call.kwargs:
            if key == param:
                return value
        return None

    def subst(self, call: Call, callee: FuncSummary, ref: str) -> str | None:
        """Translate a callee-frame ref into the caller's frame (None if meaningless there)."""
        parts = split_item(ref)
        if parts is not None:
            container = self.subst(call, callee, parts[0])
            key = parts[1] if parts[1].startswith("c:") else self.subst(call, callee, parts[1])
            if container is None or key is None or container.endswith("]"):
                return None
            return item(container, key)
        if ref == RUNNING or ref.startswith("c:"):
            return ref
        if ref.startswith("w:"):
            return None
        if ref.startswith("p:"):
            name, dot, attr = ref[2:].partition(".")
            arg = self.arg_ref(call, callee, name)
            if not dot or arg is None:
                return arg
            return f"{arg}.{attr}" if _plain(arg) else None
        if ref.startswith("l:"):
            return None
        return self.canon(ref)

    def same_task(self, call: Call, callee: FuncSummary) -> bool | None:
        """True: callee runs in the caller's task; False: in another task; None: not run."""
        if call.mode == "await":
            return True if callee.is_async else None
        if call.mode == "plain":
            return not callee.is_async
        if call.mode in _ENTER:
            return None  # see contexts.py: the lock a context manager holds
        return False if callee.is_async else None

    def lock_of(self, ref: str) -> str:
        """The lock actually acquired through `ref` (a Condition built on a lock is that lock)."""
        ref = self.canon(ref)
        return self.aliases.get(ref, ref)

    def display(self, ref: str) -> str:
        """Return a short human name for a ref."""
        return display_ref(ref)

    def full_name(self, ref: str) -> str:
        """Return the dotted name of a global or attribute ref (for a declared lock order)."""
        return ref[2:].replace(":", ".")

    def iter_functions(self) -> Iterable[FuncSummary]:
        """Yield every function summary."""
        return self.functions.values()


def _plain(ref: str) -> bool:
    """True for a parameter or local ref without an attribute part (can take `.attr`)."""
    if ref.endswith("]"):
        return False
    if ref.startswith("p:"):
        return "." not in ref
    return ref.startswith("l:") and "." not in ref.rpartition(":")[2]
