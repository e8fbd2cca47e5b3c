"""Pass 2: index all module summaries; resolve calls, kinds and parameter substitution."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from aiodeadlock.check.kinds import matches
from aiodeadlock.check.summary import Call, FuncSummary, ModuleSummary


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
        self.tasks: dict[str, list[Call]] = {}
        self.param_kinds: dict[str, dict[str, str]] = {}
        for m in modules:
            self.imports[m.module] = dict(m.imports)
            self.kinds.update(m.kinds)
            self.aliases.update(m.aliases)
            self.bases.update(m.bases)
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
        self._resolved: dict[tuple[str, bool], str | None] = {}
        self.callers: dict[str, list[tuple[FuncSummary, Call]]] = {}
        for fn in self.functions.values():
            for call in fn.calls:
                target = self.resolve(call)
                if target is not None:
                    self.callers.setdefault(target, []).append((fn, call))
        self._kind_memo: dict[tuple[str, str], frozenset[str]] = {}
        self._canon_memo: dict[str, str] = {}
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
        """Return the qualname of the project function a call reaches, if known."""
        key = (call.callee, call.self_call)
        if key in self._resolved:
            return self._resolved[key]
        result: str | None = None
        if call.callee in self.functions:
            result = call.callee
        elif call.self_call:
            cls, _, meth = call.callee.rpartition(".")
            result = self._method(cls, meth, 0)
        else:
            followed = self._follow(call.callee)
            result = followed if followed in self.functions else None
        self._resolved[key] = result
        return result

    def _method(self, cls: str, meth: str, depth: int) -> str | None:
        if depth > 8:
            return None
        if f"{cls}.{meth}" in self.functions:
            return f"{cls}.{meth}"
        for base in self.bases.get(cls, ()):
            found = self._method(self._follow(base), meth, depth + 1)
            if found:
                return found
        return None

    def canon(self, ref: str) -> str:
        """Return the canonical form of a global or attribute ref."""
        if ref in self._canon_memo:
            return self._canon_memo[ref]
        out = ref
        if ref.startswith("g:"):
            out = "g:" + self._follow(ref[2:])
        elif ref.startswith("a:"):
            cls, _, attr = ref[2:].rpartition(".")
            owner = self._attr_owner(cls, attr, 0)
            if owner:
                out = f"a:{owner}.{attr}"
        self._canon_memo[ref] = out
        return out

    def _attr_owner(self, cls: str, attr: str, depth: int) -> str | None:
        if f"a:{cls}.{attr}" in self.kinds:
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
        if ref.startswith("l:") and "." in ref.rpartition(":")[2]:
            base, _, attr = ref.rpartition(".")
            return self._class_attr(self.kinds.get(base), attr)
        if not ref.startswith("p:"):
            kind = self.kinds.get(self.canon(ref))
            return frozenset({kind}) if kind else frozenset()
        name = ref[2:]
        name, dot, attr = name.partition(".")
        if dot:
            return self._param_attr(fn, name, attr, depth)
        known = self.param_kinds.get(fn.qual, {}).get(name)
        if known:
            return frozenset({known})
        return self._from_callers(fn, name, "", depth)

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
            elif _plain(arg):
                found |= self.kinds_of(caller, f"{arg}.{attr}", depth + 1)
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
        if call.self_call:
            index -= 1
        if 0 <= index < len(call.args):
            return call.args[index]
        for key, value in call.kwargs:
            if key == param:
                return value
        return None

    def subst(self, call: Call, callee: FuncSummary, ref: str) -> str | None:
        """Translate a callee-frame ref into the caller's frame (None if meaningless there)."""
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
        return False if callee.is_async else None

    def lock_of(self, ref: str) -> str:
        """The lock actually acquired through `ref` (a Condition built on a lock is that lock)."""
        ref = self.canon(ref)
        return self.aliases.get(ref, ref)

    def display(self, ref: str) -> str:
        """Return a short human name for a ref."""
        if ref.startswith("a:"):
            return "self." + ref.rpartition(".")[2]
        if ref.startswith("l:"):
            return ref.rpartition(":")[2]
        return ref[2:].rpartition(".")[2] if ref.startswith("g:") else ref[2:]

    def full_name(self, ref: str) -> str:
        """Return the dotted name of a global or attribute ref (for a declared lock order)."""
        return ref[2:].replace(":", ".")

    def iter_functions(self) -> Iterable[FuncSummary]:
        """Yield every function summary."""
        return self.functions.values()


def _plain(ref: str) -> bool:
    """True for a parameter or local ref without an attribute part (can take `.attr`)."""
    if ref.startswith("p:"):
        return "." not in ref
    return ref.startswith("l:") and "." not in ref.rpartition(":")[2]
