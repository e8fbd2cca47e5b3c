"""Lock-order edges as data: lock `held` was held when lock `taken` was asked for."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from aiodeadlock.model.findings import Resource
from aiodeadlock.model.location import Location


@dataclass
class OrderEdge:
    """`held` was held (taken at `held_at`) when `taken` was requested at `taken_at`."""

    held: Hashable
    taken: Hashable
    task: str
    held_at: Location | None
    taken_at: Location | None
    held_label: Resource
    taken_label: Resource
    gates: frozenset[Hashable]
    count: int = 1
