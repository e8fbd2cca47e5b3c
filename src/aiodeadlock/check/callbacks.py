"""Callbacks stored in attributes: `self._on_message(...)` runs the function bound to it.

The attribute is bound in a method (`self._on_message = handler`, `= self._handle`, or
`= on_message`, a parameter of `__init__` that constructor calls fill in).
"""

from __future__ import annotations

from aiodeadlock.check.project import Project
from aiodeadlock.check.summary import Call, FuncSummary

_DEPTH = 4
_FANOUT = 20


def callback_callers(p: Project) -> dict[str, list[tuple[FuncSummary, Call]]]:
    """Function qual -> (caller, call) for each `self.attr(...)` that runs it as a callback.

    The call is rewritten to name the function it runs, so that `Project.subst` and
    `Project.arg_ref` map the callback's parameters to the call's arguments.
    """
    if "callback_callers" in p.memo:
        cached: dict[str, list[tuple[FuncSummary, Call]]] = p.memo["callback_callers"]
        return cached
    out: dict[str, list[tuple[FuncSummary, Call]]] = {}
    for fn in p.iter_functions():
        for call in fn.calls:
            if call.via != "self" or p.resolve(call) is not None:
                continue
            cls, _, attr = call.callee.rpartition(".")
            if p.hierarchy.defines(cls, attr):
                continue  # a method that does nothing pass 2 needs
            for target in callables(p, fn, f"a:{cls}.{attr}", 0):
                method = p.hierarchy.class_of(target) is not None
                runs = call._replace(callee=target, via="self" if method else "")
                out.setdefault(target, []).append((fn, runs))
    p.memo["callback_callers"] = out
    return out


def callables(p: Project, frame: FuncSummary, ref: str | None, depth: int) -> list[str]:
    """The project functions the value `ref` (in `frame`) may be."""
    if ref is None or depth > _DEPTH:
        return []
    if ref.startswith("p:") and "." not in ref:
        found: list[str] = []
        for caller, call in p.callers.get(frame.qual, ())[:_FANOUT]:
            found += callables(p, caller, p.arg_ref(call, frame, ref[2:]), depth + 1)
        return found
    if ref.startswith("g:"):
        name = p.canon(ref)[2:]
        return [name] if name in p.functions else []
    if not ref.startswith("a:"):
        return []
    cls, _, attr = ref[2:].rpartition(".")
    if p.hierarchy.is_class(cls) and p.hierarchy.defines_anywhere(cls, attr):
        method = p.hierarchy.lookup(cls, attr)
        return [method] if method else []
    found = []
    for qual, value in p.binds.get(p.canon(ref), ())[:_FANOUT]:
        where = p.functions.get(qual)
        if where is not None and value != ref:
            found += callables(p, where, value, depth + 1)
    return found
