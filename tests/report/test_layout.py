"""The layered layout: boxes never overlap, edges point down where they can, cycles are drawn."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from aiodeadlock.report.layers import closest_in_order
from aiodeadlock.report.layout import (
    NODE_GAP,
    Box,
    Layout,
    LayoutEdge,
    Size,
    layered_layout,
)

BOX = Size(100, 40)
LABEL = Size(80, 20)


def overlap(a: Box, b: Box) -> bool:
    return (
        abs(a.x - b.x) < (a.width + b.width) / 2 - 1e-6
        and abs(a.y - b.y) < (a.height + b.height) / 2 - 1e-6
    )


def all_boxes(layout: Layout) -> list[Box]:
    return list(layout.boxes.values()) + [r.label for r in layout.routes if r.label is not None]


def assert_no_overlap(layout: Layout) -> None:
    for a, b in itertools.combinations(all_boxes(layout), 2):
        assert not overlap(a, b), (a, b)


def assert_inside(layout: Layout) -> None:
    for box in all_boxes(layout):
        assert box.left >= -1e-6 and box.left + box.width <= layout.width + 1e-6
        assert box.top >= -1e-6 and box.top + box.height <= layout.height + 1e-6


def test_a_chain_goes_down_the_page() -> None:
    nodes = {name: BOX for name in "abc"}
    layout = layered_layout(nodes, [LayoutEdge("a", "b"), LayoutEdge("b", "c")])
    a, b, c = (layout.boxes[n] for n in "abc")
    assert a.y < b.y < c.y
    assert a.x == pytest.approx(b.x) == pytest.approx(c.x)  # nothing pulls them apart


def test_routes_run_from_the_source_border_to_the_target_border() -> None:
    layout = layered_layout({"a": BOX, "b": BOX}, [LayoutEdge("a", "b", LABEL)])
    (route,) = layout.routes
    a, b = layout.boxes["a"], layout.boxes["b"]
    assert route.points[0][1] == pytest.approx(a.y + a.height / 2)  # leaves a's bottom
    assert route.points[-1][1] == pytest.approx(b.top)  # reaches b's top
    assert a.left <= route.points[0][0] <= a.left + a.width
    assert route.label is not None
    assert a.y < route.label.y < b.y  # the label sits between the two


def test_a_cycle_is_drawn_with_one_edge_going_back_up() -> None:
    nodes = {name: BOX for name in ("t1", "r1", "t2", "r2")}
    edges = [
        LayoutEdge("t1", "r1", LABEL),
        LayoutEdge("r1", "t2", LABEL),
        LayoutEdge("t2", "r2", LABEL),
        LayoutEdge("r2", "t1", LABEL),
    ]
    layout = layered_layout(nodes, edges)
    ys = [layout.boxes[n].y for n in ("t1", "r1", "t2", "r2")]
    assert ys == sorted(ys) and len(set(ys)) == 4  # drawn from the first node listed
    back = layout.routes[3]
    assert back.points[0][1] > back.points[-1][1]  # r2 -> t1 goes up
    assert back.points[-1][1] == pytest.approx(layout.boxes["t1"].y + BOX.height / 2)
    assert all(len(r.points) >= 3 and r.label is not None for r in layout.routes)
    assert_no_overlap(layout)
    assert_inside(layout)


def test_two_edges_between_the_same_boxes_leave_at_different_points() -> None:
    layout = layered_layout(
        {"t": BOX, "lock": BOX}, [LayoutEdge("t", "lock", LABEL), LayoutEdge("lock", "t", LABEL)]
    )
    there, back = layout.routes
    assert there.points[0] != back.points[-1]
    assert there.points[-1] != back.points[0]
    assert_no_overlap(layout)


def test_ordering_removes_a_crossing_the_input_order_has() -> None:
    nodes = {name: BOX for name in ("a", "c", "d", "b")}  # b would sit under c, d under a
    layout = layered_layout(nodes, [LayoutEdge("a", "b"), LayoutEdge("c", "d")])
    box = layout.boxes
    assert (box["a"].x < box["c"].x) == (box["b"].x < box["d"].x)


def test_boxes_of_one_layer_keep_their_distance() -> None:
    nodes = {"hub": BOX, **{f"w{i}": Size(60 + 10 * i, 30) for i in range(6)}}
    edges = [LayoutEdge(f"w{i}", "hub", LABEL) for i in range(6)]
    layout = layered_layout(nodes, edges)
    row = sorted((layout.boxes[f"w{i}"] for i in range(6)), key=lambda b: b.x)
    assert len({b.y for b in row}) == 1
    for left, right in itertools.pairwise(row):
        assert right.left - (left.left + left.width) >= NODE_GAP - 1e-6
    assert_no_overlap(layout)


def test_self_loops_and_unknown_ends_get_no_route() -> None:
    layout = layered_layout(
        {"a": BOX, "b": BOX},
        [LayoutEdge("a", "a"), LayoutEdge("a", "zzz"), LayoutEdge("a", "b")],
    )
    assert [len(r.points) for r in layout.routes][:2] == [0, 0]
    assert len(layout.routes[2].points) >= 2


def test_nothing_to_lay_out() -> None:
    layout = layered_layout({}, [])
    assert (layout.boxes, layout.routes, layout.width, layout.height) == ({}, (), 0.0, 0.0)


def test_same_input_same_layout() -> None:
    nodes = {f"n{i}": Size(50 + i, 30) for i in range(8)}
    edges = [LayoutEdge(f"n{i}", f"n{(i * 3 + 1) % 8}", LABEL) for i in range(8)]
    assert layered_layout(nodes, edges) == layered_layout(nodes, edges)


@pytest.mark.parametrize("seed", range(5))
def test_random_graphs_never_overlap(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randint(5, 20)
    nodes = {f"n{i}": Size(rng.randint(60, 220), rng.choice([30, 44, 58])) for i in range(count)}
    edges = [
        LayoutEdge(f"n{rng.randrange(count)}", f"n{rng.randrange(count)}", LABEL)
        for _ in range(count * 2)
    ]
    layout = layered_layout(nodes, edges)
    assert set(layout.boxes) == set(nodes)
    assert_no_overlap(layout)
    assert_inside(layout)
    for edge, route in zip(edges, layout.routes, strict=True):
        if edge.source != edge.target:
            assert len(route.points) >= 3


def test_forty_nodes_lay_out_quickly() -> None:
    rng = random.Random(7)
    nodes = {f"n{i}": Size(140, 58) for i in range(40)}
    edges = [LayoutEdge(f"n{rng.randrange(40)}", f"n{rng.randrange(40)}", LABEL) for _ in range(80)]
    start = time.perf_counter()
    layered_layout(nodes, edges)
    assert time.perf_counter() - start < 5.0


def test_closest_in_order_keeps_gaps_and_stays_close() -> None:
    assert closest_in_order([0.0, 100.0], [10.0]) == [0.0, 100.0]  # already far enough
    assert closest_in_order([50.0, 50.0], [20.0]) == [40.0, 60.0]  # pushed apart evenly
    placed = closest_in_order([5.0, 0.0, 10.0], [10.0, 10.0])
    assert placed[1] - placed[0] >= 10 - 1e-9 and placed[2] - placed[1] >= 10 - 1e-9
    assert sum(placed) / 3 == pytest.approx(5.0)  # least squares keeps the mean
