"""Calls between functions as objects of each class run them: `self.m()` reaches the override.

A method defined in class D runs, for an object of a subclass C, with `self.m()` looked up from
C. Such a run is a separate node "qual@C", made only where C overrides a method the run reaches
through `self` (otherwise it is the same as the node of D, named by its qualname).
"""

from __future__ import annotations

from aiodeadlock.check.project import Project
from aiodeadlock.check.summary import Call, FuncSummary

Node = str


def node_qual(node: Node) -> str:
    """The function a node runs."""
    return node.partition("@")[0]


class CallGraph:
    """Nodes (function, class of `self`) and the calls between them."""

    def __init__(self, p: Project) -> None:
        self.p = p
        self.h = p.hierarchy
        self.nodes: dict[Node, tuple[FuncSummary, str | None]] = {}
        self.callers: dict[Node, list[tuple[Node, Call]]] = {}
        self._sensitive: dict[str, frozenset[str]] = {}
        self._todo: list[Node] = []
        for fn in p.functions.values():
            self.nodes[fn.qual] = (fn, self.h.class_of(fn.qual))
            self._todo.append(fn.qual)
        self._subclass_runs()
        while self._todo:
            self._link(self._todo.pop())

    def _subclass_runs(self) -> None:
        """A node for each inherited method whose `self` calls an object's class overrides."""
        for qual in list(self.p.functions):
            owner = self.h.class_of(qual)
            if owner is None or not self.sensitive(qual):
                continue
            name = qual.rpartition(".")[2]
            for cls in self.h.subclasses(owner):
                if self.h.lookup(cls, name) == qual:
                    self.node(qual, cls)

    def sensitive(self, qual: str) -> frozenset[str]:
        """Names of the methods a function reaches through `self` (directly or in callees)."""
        if qual in self._sensitive:
            return self._sensitive[qual]
        self._sensitive[qual] = frozenset()  # recursion ends here
        names: set[str] = set()
        for call in self.p.functions[qual].calls:
            if not call.via:
                continue
            if call.via == "self":
                names.add(call.callee.rpartition(".")[2])
            target = self.p.resolve(call)
            if target is not None:
                names |= self.sensitive(target)
        result = frozenset(names)
        self._sensitive[qual] = result
        return result

    def node(self, qual: str, cls: str | None) -> Node:
        """The node of `qual` run by an object of class `cls` (made on first use)."""
        owner = self.h.class_of(qual)
        if cls is None or owner is None or cls == owner:
            return qual
        names = self.sensitive(qual)
        if not names:
            return qual
        overrides = {m for c in self.h.between(cls, owner) for m in self.h.methods.get(c, ())}
        if not names & overrides:
            return qual
        node = f"{qual}@{cls}"
        if node not in self.nodes:
            self.nodes[node] = (self.p.functions[qual], cls)
            self._todo.append(node)
        return node

    def target(self, call: Call, fn: FuncSummary, cls: str | None) -> Node | None:
        """The node a call of `fn`, run by an object of class `cls`, reaches."""
        if call.via and cls is not None:
            name = call.callee.rpartition(".")[2]
            after = self.h.class_of(fn.qual) if call.via == "super" else None
            qual = self.h.lookup(cls, name, after)
            return self.node(qual, cls) if qual else None
        return self.p.resolve(call)

    def _link(self, node: Node) -> None:
        fn, cls = self.nodes[node]
        for call in fn.calls:
            target = self.target(call, fn, cls)
            if target is not None:
                self.callers.setdefault(target, []).append((node, call))


def call_graph(p: Project) -> CallGraph:
    """The project's call graph, built once."""
    if "callgraph" not in p.memo:
        p.memo["callgraph"] = CallGraph(p)
    graph: CallGraph = p.memo["callgraph"]
    return graph
