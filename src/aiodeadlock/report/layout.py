"""A layered (Sugiyama-style) layout of a small directed graph: boxes, routes and label boxes."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Point = tuple[float, float]

#: Horizontal gap between neighbouring boxes of one layer, and between layers.
NODE_GAP = 28.0
POINT_GAP = 12.0
LAYER_GAP = 18.0
#: How far apart the ends of several edges on one side of a box are.
PORT_SPACING = 14.0
#: Where a labelled edge passes its label box: this far inside its left side.
LABEL_INSET = 0.0
_SWEEPS = 8
_PLACEMENT_ROUNDS = 6


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


@dataclass
class _Vertex:
    """A box of the layered graph: a node, an edge's label, or a point an edge passes."""

    key: int
    width: float
    height: float
    node: str | None = None
    label: bool = False
    layer: int = 0
    x: float = 0.0
    y: float = 0.0
    order: float = 0.0

    @property
    def anchor(self) -> float:
        """Where edges pass: a label's left side, any other vertex's centre."""
        return self.x - self.width / 2 + LABEL_INSET if self.label else self.x

    @property
    def bottom(self) -> float:
        return self.y + self.height / 2

    @property
    def top(self) -> float:
        return self.y - self.height / 2


def layered_layout(nodes: Mapping[str, Size], edges: Sequence[LayoutEdge]) -> Layout:
    """Place `nodes` in layers so edges point down where they can, with few crossings.

    Node order in `nodes` matters: a cycle is drawn from the first of its nodes, so the
    caller lists the nodes to show first (e.g. a deadlock's cycle) first. Self-loops and
    edges to unknown nodes get an empty route.
    """
    vertices = [
        _Vertex(i, s.width, s.height, node=name) for i, (name, s) in enumerate(nodes.items())
    ]
    index = {v.node: v.key for v in vertices}
    usable = [e for e in edges if e.source in index and e.target in index and e.source != e.target]
    reversed_edges = _back_edges(
        len(vertices), [(index[e.source], index[e.target]) for e in usable]
    )

    chains: list[tuple[LayoutEdge, list[int], bool]] = []
    arcs: list[tuple[int, int]] = []
    for i, e in enumerate(usable):
        flip = i in reversed_edges
        head, tail = index[e.source], index[e.target]
        if flip:
            head, tail = tail, head
        chain = [head]
        if e.label is not None:
            vertices.append(_Vertex(len(vertices), e.label.width, e.label.height, label=True))
            chain.append(len(vertices) - 1)
        chain.append(tail)
        chains.append((e, chain, flip))
        arcs += list(itertools.pairwise(chain))

    _assign_layers(vertices, arcs)
    for _, chain, flip in chains:
        if flip and len(chain) == 3:  # a reversed edge's label stays next to its source
            vertices[chain[1]].layer = vertices[chain[2]].layer - 1
    chains = [(e, _through_points(vertices, chain), flip) for e, chain, flip in chains]
    arcs = [pair for _, chain, _ in chains for pair in itertools.pairwise(chain)]
    layers = _order_layers(vertices, arcs)
    height = _place_layers(vertices, layers)
    _place_in_layers(vertices, layers, arcs)

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


def _back_edges(count: int, arcs: Sequence[tuple[int, int]]) -> set[int]:
    """Indexes of arcs to reverse so the graph has no cycle (the back edges of a DFS)."""
    out: dict[int, list[int]] = {v: [] for v in range(count)}
    for i, (a, _) in enumerate(arcs):
        out[a].append(i)
    state = [0] * count  # 0 unseen, 1 on the path, 2 done
    back: set[int] = set()
    for root in range(count):
        if state[root]:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            vertex, pending = stack[-1]
            arc = next(pending, None)
            if arc is None:
                state[vertex] = 2
                stack.pop()
                continue
            target = arcs[arc][1]
            if state[target] == 1:
                back.add(arc)
            elif state[target] == 0:
                state[target] = 1
                stack.append((target, iter(out[target])))
    return back


def _assign_layers(vertices: list[_Vertex], arcs: Sequence[tuple[int, int]]) -> None:
    """Longest-path layering: each vertex one layer below the lowest of its predecessors."""
    preds: dict[int, list[int]] = {v.key: [] for v in vertices}
    succs: dict[int, list[int]] = {v.key: [] for v in vertices}
    for a, b in arcs:
        preds[b].append(a)
        succs[a].append(b)
    waiting = {k: len(p) for k, p in preds.items()}
    ready = [k for k, n in waiting.items() if n == 0]
    while ready:
        k = ready.pop(0)
        for s in succs[k]:
            vertices[s].layer = max(vertices[s].layer, vertices[k].layer + 1)
            waiting[s] -= 1
            if waiting[s] == 0:
                ready.append(s)
    # Sources sit right above their first successor rather than at the very top.
    for v in sorted(vertices, key=lambda v: -v.layer):
        if not preds[v.key] and succs[v.key]:
            v.layer = min(vertices[s].layer for s in succs[v.key]) - 1


def _through_points(vertices: list[_Vertex], chain: list[int]) -> list[int]:
    """`chain` with a zero-size point vertex in every layer that an arc of it skips."""
    out = [chain[0]]
    for b in chain[1:]:
        a = out[-1]
        for layer in range(vertices[a].layer + 1, vertices[b].layer):
            vertices.append(_Vertex(len(vertices), 0.0, 0.0, layer=layer))
            out.append(len(vertices) - 1)
        out.append(b)
    return out


def _order_layers(vertices: list[_Vertex], arcs: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Vertices of each layer, left to right, ordered by the barycentre heuristic."""
    depth = max((v.layer for v in vertices), default=-1) + 1
    layers: list[list[int]] = [[] for _ in range(depth)]
    for v in vertices:
        layers[v.layer].append(v.key)
    up: dict[int, list[int]] = {v.key: [] for v in vertices}
    down: dict[int, list[int]] = {v.key: [] for v in vertices}
    for a, b in arcs:
        down[a].append(b)
        up[b].append(a)

    def number(layer: list[int]) -> None:
        for i, k in enumerate(layer):
            vertices[k].order = float(i)

    for layer in layers:
        number(layer)
    best = [list(layer) for layer in layers]
    fewest = _crossings(vertices, layers, arcs)
    for sweep in range(_SWEEPS):
        downward = sweep % 2 == 0
        sequence = range(1, depth) if downward else range(depth - 2, -1, -1)
        for i in sequence:
            near = up if downward else down

            def centre(k: int, near: dict[int, list[int]] = near) -> float:
                others = near[k]
                if not others:
                    return vertices[k].order
                return sum(vertices[o].order for o in others) / len(others)

            layers[i].sort(key=centre)
            number(layers[i])
        count = _crossings(vertices, layers, arcs)
        if count < fewest:
            fewest, best = count, [list(layer) for layer in layers]
        if count == 0:
            break
    for layer in best:
        number(layer)
    return best


def _crossings(
    vertices: list[_Vertex], layers: list[list[int]], arcs: Sequence[tuple[int, int]]
) -> int:
    """How many pairs of arcs between adjacent layers cross."""
    by_layer: dict[int, list[tuple[float, float]]] = {}
    for a, b in arcs:
        va, vb = vertices[a], vertices[b]
        by_layer.setdefault(va.layer, []).append((va.order, vb.order))
    count = 0
    for pairs in by_layer.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    count += 1
    return count


def _row_height(vertices: list[_Vertex], layer: list[int]) -> float:
    return max((vertices[k].height for k in layer), default=0.0)


def _place_layers(vertices: list[_Vertex], layers: list[list[int]]) -> float:
    """Vertical positions: each layer as tall as its tallest box, its boxes centred in it.
    Returns the height of all layers."""
    y = 0.0
    for layer in layers:
        row = _row_height(vertices, layer)
        for k in layer:
            vertices[k].y = y + row / 2
        if row > 0:
            y += row + LAYER_GAP
    return max(y - LAYER_GAP, 0.0)


def _gap(a: _Vertex, b: _Vertex) -> float:
    """The least distance between the centres of neighbours `a` and `b`."""
    points = a.width == 0 or b.width == 0
    return a.width / 2 + b.width / 2 + (POINT_GAP if points else NODE_GAP)


def _place_in_layers(
    vertices: list[_Vertex], layers: list[list[int]], arcs: Sequence[tuple[int, int]]
) -> None:
    """Horizontal positions: each vertex near the mean of its neighbours, order kept."""
    neighbours: dict[int, list[int]] = {v.key: [] for v in vertices}
    for a, b in arcs:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for layer in layers:
        x = 0.0
        for i, k in enumerate(layer):
            if i:
                x += _gap(vertices[layer[i - 1]], vertices[k])
            vertices[k].x = x
    order = list(range(len(layers)))
    for round_ in range(_PLACEMENT_ROUNDS):
        for i in order if round_ % 2 == 0 else reversed(order):
            row = [vertices[k] for k in layers[i]]
            wanted = []
            for v in row:
                near = neighbours[v.key]
                if near:
                    mean = sum(vertices[n].anchor for n in near) / len(near)
                    wanted.append(mean + v.x - v.anchor)
                else:
                    wanted.append(v.x)
            gaps = [_gap(a, b) for a, b in itertools.pairwise(row)]
            for v, x in zip(row, _closest_in_order(wanted, gaps), strict=True):
                v.x = x


def _closest_in_order(wanted: Sequence[float], gaps: Sequence[float]) -> list[float]:
    """Positions as close as possible (least squares) to `wanted`, each at least the
    matching gap right of the one before: isotonic regression by pooling adjacent blocks."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    targets = [w - o for w, o in zip(wanted, offsets, strict=True)]
    blocks: list[list[float]] = []  # [mean, count]
    for t in targets:
        blocks.append([t, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, n = blocks.pop()
            prev = blocks[-1]
            prev[0] = (prev[0] * prev[1] + mean * n) / (prev[1] + n)
            prev[1] += n
    base: list[float] = []
    for mean, n in blocks:
        base += [mean] * int(n)
    return [b + o for b, o in zip(base, offsets, strict=True)]


def _ports(vertices: list[_Vertex], chains: Sequence[list[int]]) -> list[tuple[Point, Point]]:
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
