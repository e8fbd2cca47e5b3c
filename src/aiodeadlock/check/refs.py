"""The syntax of refs (access paths) that name objects: containers' elements, frame-local parts."""

from __future__ import annotations

# See summary.py for the ref forms. An element ref is "CONTAINER[KEY]", KEY being a ref or a
# constant "c:<repr>"; "CONTAINER[]" is the kinds-table key of all elements of CONTAINER.

RUNNING = "@running-loop"  # the loop of the thread the code runs on, in any frame


def item(container: str, key: str) -> str:
    """The element of `container` under `key`."""
    return f"{container}[{key}]"


def split_item(ref: str) -> tuple[str, str] | None:
    """(container, key) of an element ref, or None."""
    if not ref.endswith("]"):
        return None
    container, bracket, key = ref.partition("[")
    return (container, key[:-1]) if bracket and container else None


def elements(container: str) -> str:
    """The kinds-table key of the elements of `container`."""
    return f"{container}[]"


def has_param(ref: str) -> bool:
    """True if the ref depends on a parameter of its frame (meaningful only once substituted)."""
    return ref.startswith("p:") or "[p:" in ref


def is_local_item(ref: str) -> bool:
    """True for an element whose key is a local of its frame."""
    return "[l:" in ref


def display(ref: str) -> str:
    """A short human name: `self.x`, `NAME`, `x`, `locks[key]`."""
    parts = split_item(ref)
    if parts is not None:
        container, key = parts
        shown = key[2:] if key.startswith("c:") else display(key)
        return f"{display(container)}[{shown}]"
    if ref.startswith("a:"):
        return "self." + ref.rpartition(".")[2]
    if ref.startswith("l:"):
        return ref.rpartition(":")[2]
    if ref.startswith("g:"):
        return ref[2:].rpartition(".")[2]
    return ref[2:]
