"""A layered (Sugiyama-style) layout of a small directed graph: boxes, routes and label boxes."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aiodeadlock.report.layers import (
    NODE_GAP,
    Vertex,
    assign_layers,
    back_edges,
    order_layers,
    place_in_layers,
    place_layers,
    through_points,
)

__all__ = ["NODE_GAP", "Box", "Layout", "LayoutEdge", "Point", "Route", "Size", "layered_layout"]

Point = tuple[float, float]

#: How far apart the ends of several edges on one side of a box are.
PORT_SPACING = 14.0


@dataclass(frozen=True)
class Size:
    width: float
    height: float


@dataclass(frozen=True)
class LayoutEdge:
    """An edge to lay out; `label` is the size of its label box, if it has one."""

    source: str
    target: str
    label: Size | None = None


@dataclass(frozen=True)
class Box:
    """A placed box: its centre and size."""

    x: float
    y: float
    width: float
    height: float

    @property
    def left(self) -> float:
        return self.x - self.width / 2

    @property
    def top(self) -> float:
        return self.y - self.height / 2


@dataclass(frozen=True)
class Route:
    """Where one edge goes: points from its source's border to its target's border."""

    points: tuple[Point, ...]
    label: Box | None


@dataclass(frozen=True)
class Layout:
    boxes: dict[str, Box]
    routes: tuple[Route, ...]  # one per input edge, in input order
    width: float
    height: float


def layered_layout(nodes: Mapping[str, Size], edges: Sequence[LayoutEdge]) -> Layout:
    """Place `nodes` in layers so edges point down where they can, with few crossings.

    Node order in `nodes` matters: a cycle is drawn from the first of its nodes, so the
    caller lists the nodes to show first (e.g. a deadlock's cycle) first. Self-loops and
    edges to unknown nodes get an empty route.
    """
    vertices = [
        Vertex(i, s.width, s.height, node=name) for i, (name, s) in enumerate(nodes.items())
    ]
    index = {v.node: v.key for v in vertices}
    usable = [e for e in edges if e.source in index and e.target in index and e.source != e.target]
    reversed_edges = back_edges(len(vertices), [(index[e.source], index[e.target]) for e in usable])

    chains: list[tuple[LayoutEdge, list[int], bool]] = []
    arcs: list[tuple[int, int]] = []
    for i, e in enumerate(usable):
        flip = i in reversed_edges
        head, tail = index[e.source], index[e.target]
        if flip:
            head, tail = tail, head
        chain = [head]
        if e.label is not None:
            vertices.append(Vertex(len(vertices), e.label.width, e.label.height, label=True))
            chain.append(len(vertices) - 1)
        chain.append(tail)
        chains.append((e, chain, flip))
        arcs += list(itertools.pairwise(chain))

    assign_layers(vertices, arcs)
    for _, chain, flip in chains:
        if flip and len(chain) == 3:  # a reversed edge's label stays next to its source
            vertices[chain[1]].layer = vertices[chain[2]].layer - 1
    chains = [(e, through_points(vertices, chain), flip) for e, chain, flip in chains]
    arcs = [pair for _, chain, _ in chains for pair in itertools.pairwise(chain)]
    layers = order_layers(vertices, arcs)
    height = place_layers(vertices, layers)
    place_in_layers(vertices, layers, arcs)

    shift = min((v.x - v.width / 2 for v in vertices), default=0.0)
    for v in vertices:
        v.x -= shift
    width = max((v.x + v.width / 2 for v in vertices), default=0.0)
    boxes = {v.node: Box(v.x, v.y, v.width, v.height) for v in vertices if v.node is not None}

    ports = _ports(vertices, [chain for _, chain, _ in chains])
    routes_by_edge: dict[int, Route] = {}
    for (e, chain, flip), (start, end) in zip(chains, ports, strict=True):
        points: list[Point] = [start]
        label = None
        for k in chain[1:-1]:
            v = vertices[k]
            if v.label:  # the edge passes its label box on the box's left side
                label = Box(v.x, v.y, v.width, v.height)
                points.append((v.anchor, v.y))
            else:
                points.append((v.x, v.y))
        points.append(end)
        if flip:
            points.reverse()
        routes_by_edge[id(e)] = Route(tuple(points), label)
    empty = Route((), None)
    routes = tuple(routes_by_edge.get(id(e), empty) for e in edges)
    return Layout(boxes, routes, width, height)


def _ports(vertices: list[Vertex], chains: Sequence[list[int]]) -> list[tuple[Point, Point]]:
    """Where each chain leaves its first vertex (bottom) and reaches its last (top): the ends
    on one side of a box spread out in the order of where they go."""
    leaving: dict[int, list[int]] = {}
    arriving: dict[int, list[int]] = {}
    for i, chain in enumerate(chains):
        leaving.setdefault(chain[0], []).append(i)
        arriving.setdefault(chain[-1], []).append(i)

    def spread(ends: dict[int, list[int]], toward: int) -> dict[int, float]:
        offset: dict[int, float] = {}
        for k, members in ends.items():
            v = vertices[k]
            members.sort(key=lambda i: (vertices[chains[i][toward]].x, i))
            room = max(v.width - 24.0, 0.0)
            step = min(PORT_SPACING, room / max(len(members) - 1, 1))
            for n, i in enumerate(members):
                offset[i] = (n - (len(members) - 1) / 2) * step
        return offset

    out_offset = spread(leaving, 1)
    in_offset = spread(arriving, -2)
    ports = []
    for i, chain in enumerate(chains):
        first, last = vertices[chain[0]], vertices[chain[-1]]
        start = (first.x + out_offset[i], first.bottom)
        end = (last.x + in_offset[i], last.top)
        ports.append((start, end))
    return ports
