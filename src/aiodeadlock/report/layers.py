"""The phases of a layered layout: break cycles, assign layers, order them, place boxes."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

#: Horizontal gap between neighbouring boxes of one layer, and between layers.
NODE_GAP = 28.0
POINT_GAP = 12.0
LAYER_GAP = 18.0
#: Where a labelled edge passes its label box: this far inside its left side.
LABEL_INSET = 0.0
_SWEEPS = 8
_PLACEMENT_ROUNDS = 6


@dataclass
class Vertex:
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


def back_edges(count: int, arcs: Sequence[tuple[int, int]]) -> set[int]:
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


def assign_layers(vertices: list[Vertex], arcs: Sequence[tuple[int, int]]) -> None:
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


def through_points(vertices: list[Vertex], chain: list[int]) -> list[int]:
    """`chain` with a zero-size point vertex in every layer that an arc of it skips."""
    out = [chain[0]]
    for b in chain[1:]:
        a = out[-1]
        for layer in range(vertices[a].layer + 1, vertices[b].layer):
            vertices.append(Vertex(len(vertices), 0.0, 0.0, layer=layer))
            out.append(len(vertices) - 1)
        out.append(b)
    return out


def order_layers(vertices: list[Vertex], arcs: Sequence[tuple[int, int]]) -> list[list[int]]:
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
    fewest = crossings(vertices, layers, arcs)
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
        count = crossings(vertices, layers, arcs)
        if count < fewest:
            fewest, best = count, [list(layer) for layer in layers]
        if count == 0:
            break
    for layer in best:
        number(layer)
    return best


def crossings(
    vertices: list[Vertex], layers: list[list[int]], arcs: Sequence[tuple[int, int]]
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


def row_height(vertices: list[Vertex], layer: list[int]) -> float:
    return max((vertices[k].height for k in layer), default=0.0)


def place_layers(vertices: list[Vertex], layers: list[list[int]]) -> float:
    """Vertical positions: each layer as tall as its tallest box, its boxes centred in it.
    Returns the height of all layers."""
    y = 0.0
    for layer in layers:
        row = row_height(vertices, layer)
        for k in layer:
            vertices[k].y = y + row / 2
        if row > 0:
            y += row + LAYER_GAP
    return max(y - LAYER_GAP, 0.0)


def gap(a: Vertex, b: Vertex) -> float:
    """The least distance between the centres of neighbours `a` and `b`."""
    points = a.width == 0 or b.width == 0
    return a.width / 2 + b.width / 2 + (POINT_GAP if points else NODE_GAP)


def place_in_layers(
    vertices: list[Vertex], layers: list[list[int]], arcs: Sequence[tuple[int, int]]
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
                x += gap(vertices[layer[i - 1]], vertices[k])
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
            gaps = [gap(a, b) for a, b in itertools.pairwise(row)]
            for v, x in zip(row, closest_in_order(wanted, gaps), strict=True):
                v.x = x


def closest_in_order(wanted: Sequence[float], gaps: Sequence[float]) -> list[float]:
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
