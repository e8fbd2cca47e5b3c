"""The checked tree's classes: method resolution order, method lookup, `super()` lookup."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

_DEPTH = 12


class Hierarchy:
    """Classes with their bases (dotted names) and the names of the methods each defines."""

    def __init__(
        self,
        bases: Mapping[str, tuple[str, ...]],
        methods: Mapping[str, Collection[str]],
        follow: Callable[[str], str],
        summarised: Collection[str],
    ) -> None:
        self.bases = bases
        self.methods = methods
        self.follow = follow
        self.summarised = summarised
        self._mro: dict[str, tuple[str, ...]] = {}
        self._subclasses: dict[str, list[str]] | None = None

    def is_class(self, name: str) -> bool:
        """True if `name` is a class of the checked tree."""
        return name in self.bases

    def class_of(self, qual: str) -> str | None:
        """The class a function is a method of, or None."""
        owner = qual.rpartition(".")[0]
        return owner if owner in self.bases else None

    def mro(self, cls: str) -> tuple[str, ...]:
        """C3 linearisation of `cls` (classes outside the tree end their branch)."""
        if cls in self._mro:
            return self._mro[cls]
        self._mro[cls] = (cls,)  # a cycle in broken code ends here
        self._mro[cls] = self._linearise(cls, 0)
        return self._mro[cls]

    def _linearise(self, cls: str, depth: int) -> tuple[str, ...]:
        bases = [self.follow(b) for b in self.bases.get(cls, ())]
        if depth > _DEPTH or not bases:
            return (cls,)
        seqs = [list(self.mro(b)) for b in bases] + [bases]
        out = [cls]
        while True:
            seqs = [s for s in seqs if s]
            if not seqs:
                return tuple(out)
            for seq in seqs:
                head = seq[0]
                if not any(head in s[1:] for s in seqs):
                    break
            else:  # inconsistent hierarchy: depth-first order without repeats
                rest = [c for s in seqs for c in s]
                return tuple(dict.fromkeys(out + rest))
            out.append(head)
            for s in seqs:
                if s and s[0] == head:
                    del s[0]

    def defines(self, cls: str, name: str) -> bool:
        """True if class `cls` itself defines method `name`."""
        return name in self.methods.get(cls, ())

    def defines_anywhere(self, cls: str, name: str) -> bool:
        """True if `cls` or one of its ancestors in the tree defines method `name`."""
        return any(name in self.methods.get(c, ()) for c in self.mro(cls))

    def lookup(self, cls: str, name: str, after: str | None = None) -> str | None:
        """The summarised method `name` that objects of class `cls` run (after `after`).

        A method the tree defines but did not summarise (it does nothing pass 2 needs) shadows
        its bases all the same: the result is then None.
        """
        order = self.mro(cls)
        if after is not None:
            if after not in order:
                return None
            order = order[order.index(after) + 1 :]
        for c in order:
            if name in self.methods.get(c, ()):
                qual = f"{c}.{name}"
                return qual if qual in self.summarised else None
        return None

    def subclasses(self, cls: str) -> list[str]:
        """Every class of the tree that has `cls` among its ancestors."""
        if self._subclasses is None:
            table: dict[str, list[str]] = {}
            for c in self.bases:
                for ancestor in self.mro(c)[1:]:
                    table.setdefault(ancestor, []).append(c)
            self._subclasses = table
        return self._subclasses.get(cls, [])

    def between(self, cls: str, ancestor: str) -> list[str]:
        """The classes before `ancestor` in the MRO of `cls` (empty if it is not an ancestor)."""
        order = self.mro(cls)
        return list(order[: order.index(ancestor)]) if ancestor in order else []
