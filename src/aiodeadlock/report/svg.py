"""A finding's wait-for graph drawn as inline SVG: boxes, curved arrows and their labels."""

from __future__ import annotations

from collections.abc import Sequence

from aiodeadlock.report import markup
from aiodeadlock.report.findinggraph import Arrow, FindingGraph, Node
from aiodeadlock.report.layout import Layout, LayoutEdge, Point, Size, layered_layout

#: Text sizes in pixels; text is monospace, so its width is known without a browser.
CAPTION_SIZE = 10.5
NAME_SIZE = 13.0
DETAIL_SIZE = 11.0
LABEL_SIZE = 11.0
#: The advance of one monospace character, as a fraction of the font size (a little generous).
CHAR_WIDTH = 0.62
PADDING = 12.0
MARGIN = 16.0
MIN_NODE_WIDTH = 96.0
MAX_TEXT = 44  # characters of one line of a box, longer text is cut with an ellipsis
LABEL_LINE = 14.0
LABEL_TEXT_INSET = 6.0


def text_width(text: str, size: float) -> float:
    return len(text) * size * CHAR_WIDTH


def cut(text: str, limit: int = MAX_TEXT) -> str:
    """`text` on one line, at most `limit` characters: a long one keeps its start and its
    end (where a file name's line number is), an ellipsis between."""
    one_line = " ".join(text.split())
    if len(one_line) <= limit:
        return one_line
    head = limit // 3
    return one_line[:head] + "…" + one_line[len(one_line) - (limit - head - 1) :]


def node_lines(node: Node) -> list[tuple[str, str, float]]:
    """The lines of a box as (css class, text, font size)."""
    if node.name:
        lines = [("caption", node.caption, CAPTION_SIZE), ("name", node.name, NAME_SIZE)]
    else:  # an unnamed resource: its type is its name
        lines = [("name", node.caption, NAME_SIZE)]
    if node.detail:  # a long detail is shown a part a line ("created at …", "instance 2")
        parts = node.detail.split(" · ") if len(node.detail) > MAX_TEXT else [node.detail]
        lines += [("detail", part, DETAIL_SIZE) for part in parts]
    return [(cls, cut(text), size) for cls, text, size in lines]


def node_size(node: Node) -> Size:
    lines = node_lines(node)
    width = max(text_width(text, size) for _, text, size in lines) + 2 * PADDING
    height = sum(size + 5 for _, _, size in lines) + 14
    return Size(max(width, MIN_NODE_WIDTH), height)


def label_lines(arrow: Arrow) -> list[tuple[str, str]]:
    lines = [("verb", arrow.verb)]
    if arrow.place:
        lines.append(("place", arrow.place))
    return [(cls, cut(text)) for cls, text in lines]


def label_size(arrow: Arrow) -> Size:
    lines = label_lines(arrow)
    width = max(text_width(text, LABEL_SIZE) for _, text in lines) + LABEL_TEXT_INSET + 6
    return Size(width, LABEL_LINE * len(lines) + 4)


def render_svg(graph: FindingGraph, prefix: str, title: str) -> str:
    """The graph as an `<svg>` element; `prefix` keeps its ids unique within a page."""
    sizes = {n.key: node_size(n) for n in graph.nodes}
    edges = [LayoutEdge(a.source, a.target, label_size(a)) for a in graph.arrows]
    layout = layered_layout(sizes, edges)
    width = layout.width + 2 * MARGIN
    height = layout.height + 2 * MARGIN
    parts = [
        f'<svg class="graph" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{prefix}-title">',
        f'<title id="{prefix}-title">{markup.text(title)}</title>',
        _markers(prefix),
        f'<g transform="translate({MARGIN:.0f},{MARGIN:.0f})">',
    ]
    parts += _arrows(graph.arrows, layout, prefix)
    parts += _labels(graph.arrows, layout)
    parts += _nodes(graph.nodes, layout, prefix)
    parts.append("</g></svg>")
    return "\n".join(parts)


def _markers(prefix: str) -> str:
    heads = []
    for role in ("cycle", "involved", "collateral"):
        heads.append(
            f'<marker id="{prefix}-head-{role}" viewBox="0 0 10 10" refX="9.5" refY="5" '
            f'markerWidth="7" markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">'
            f'<path class="head {role}" d="M0,0 L10,5 L0,10 z"/></marker>'
        )
    return "<defs>" + "".join(heads) + "</defs>"


def _arrows(arrows: Sequence[Arrow], layout: Layout, prefix: str) -> list[str]:
    out = []
    for arrow, route in zip(arrows, layout.routes, strict=True):
        if len(route.points) < 2:
            continue
        out.append(
            f'<path class="arrow {arrow.kind} {arrow.role}" d="{_curve(route.points)}" '
            f'marker-end="url(#{prefix}-head-{arrow.role})"/>'
        )
    return out


def _curve(points: Sequence[Point]) -> str:
    """A smooth path through `points` (a Catmull-Rom spline), leaving the first and reaching
    the last vertically, as box borders are met."""
    count = len(points)
    tangents: list[Point] = []
    for i, (_, y) in enumerate(points):
        if i == 0 or i == count - 1:
            near = points[1] if i == 0 else points[-2]
            tangents.append((0.0, abs(near[1] - y) * _down(points)))
        else:
            (xa, ya), (xb, yb) = points[i - 1], points[i + 1]
            tangents.append(((xb - xa) / 2, (yb - ya) / 2))
    x, y = points[0]
    d = [f"M{x:.1f},{y:.1f}"]
    for i in range(count - 1):
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        (tx0, ty0), (tx1, ty1) = tangents[i], tangents[i + 1]
        d.append(
            f"C{x0 + tx0 / 3:.1f},{y0 + ty0 / 3:.1f} {x1 - tx1 / 3:.1f},{y1 - ty1 / 3:.1f} "
            f"{x1:.1f},{y1:.1f}"
        )
    return " ".join(d)


def _down(points: Sequence[Point]) -> float:
    """1 for a path going down the page, -1 for one going up."""
    return 1.0 if points[-1][1] >= points[0][1] else -1.0


def _labels(arrows: Sequence[Arrow], layout: Layout) -> list[str]:
    out = []
    for arrow, route in zip(arrows, layout.routes, strict=True):
        box = route.label
        if box is None:
            continue
        lines = label_lines(arrow)
        left = box.left + LABEL_TEXT_INSET
        top = box.y - LABEL_LINE * len(lines) / 2
        width = box.width - LABEL_TEXT_INSET
        out.append(f'<g class="label {arrow.role}">')
        out.append(
            f'<rect class="label-bg" x="{left - 2:.1f}" y="{top - 1:.1f}" '
            f'width="{width:.1f}" height="{LABEL_LINE * len(lines) + 2:.1f}" rx="3"/>'
        )
        for i, (cls, text) in enumerate(lines):
            baseline = top + LABEL_LINE * (i + 1) - 3.5
            out.append(
                f'<text class="{cls}" x="{left:.1f}" y="{baseline:.1f}">{markup.text(text)}</text>'
            )
        out.append("</g>")
    return out


def _nodes(nodes: Sequence[Node], layout: Layout, prefix: str) -> list[str]:
    out = []
    for number, node in enumerate(nodes, 1):
        box = layout.boxes[node.key]
        classes = f"node {node.shape} {node.role}" + (" ended" if node.ended else "")
        radius = {"task": 12, "thread": 4}.get(node.shape, 2)
        tip = " · ".join(t for t in (node.caption, node.name, node.detail) if t)
        out.append(
            f'<g class="{classes}" id="{prefix}-n{number}" data-key="{markup.attr(node.key)}">'
        )
        out.append(f"<title>{markup.text(tip)}</title>")
        out.append(
            f'<rect x="{box.left:.1f}" y="{box.top:.1f}" width="{box.width:.1f}" '
            f'height="{box.height:.1f}" rx="{radius}"/>'
        )
        if node.shape == "thread":  # a second outline tells threads from tasks
            out.append(
                f'<rect class="inner" x="{box.left + 3:.1f}" y="{box.top + 3:.1f}" '
                f'width="{box.width - 6:.1f}" height="{box.height - 6:.1f}" rx="2"/>'
            )
        y = box.top + 7
        for cls, text, size in node_lines(node):
            y += size + 5
            out.append(
                f'<text class="{cls}" x="{box.x:.1f}" y="{y - 4:.1f}" '
                f'text-anchor="middle">{markup.text(text)}</text>'
            )
        out.append("</g>")
    return out
