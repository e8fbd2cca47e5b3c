"""The Graphviz (DOT) report: one cluster per finding, the same nodes, labels and highlighting."""

from __future__ import annotations

import textwrap

from aiodeadlock.model.findings import Finding
from aiodeadlock.model.report import Report
from aiodeadlock.report import findinggraph
from aiodeadlock.report.findinggraph import COLLATERAL, CYCLE, Arrow, Node
from aiodeadlock.report.markup import clean

#: Colours by role; a potential finding's cycle is orange, a deadlock's red.
DEADLOCK_RED = "#cf222e"
POTENTIAL_ORANGE = "#bc4c00"
GREY = "#8c959f"
TASK_FILL, TASK_LINE = "#ddf4ff", "#0969da"
RESOURCE_FILL, RESOURCE_LINE = "#fff8c5", "#9a6700"
TITLE_WIDTH = 90  # characters per line of a cluster's title


def render_report(report: Report) -> str:
    """The report as one `digraph`, each finding a cluster (an empty report: a titled graph)."""
    lines = [
        "digraph aiodeadlock {",
        '  graph [fontname="Helvetica", fontsize=12, labelloc=t, labeljust=l, '
        "nodesep=0.35, ranksep=0.45, newrank=true];",
        '  node [fontname="Helvetica", fontsize=11, style="filled", penwidth=1.2];',
        '  edge [fontname="Helvetica", fontsize=10, penwidth=1.2, color="#57606a"];',
    ]
    if not report.findings:
        lines.append(f"  label={quote('aiodeadlock: no deadlock found')};")
    for number, finding in enumerate(report.findings, 1):
        lines += _cluster(finding, f"f{number}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _cluster(finding: Finding, prefix: str) -> list[str]:
    graph = findinggraph.build(finding)
    head = "deadlock" if finding.definite else "potential deadlock"
    title = f"{head}: {finding.kind.name} ({finding.kind.code})\n" + "\n".join(
        textwrap.wrap(finding.message, TITLE_WIDTH)
    )
    if graph.left_out:
        title += f"\n({len(graph.left_out)} more tasks and resources not drawn)"
    accent = DEADLOCK_RED if finding.definite else POTENTIAL_ORANGE
    lines = [
        f"  subgraph cluster_{prefix} {{",
        f"    label={quote(title)};",
        f'    color="{accent}"; penwidth=1.5;',
    ]
    ids = {n.key: f"{prefix}_n{i}" for i, n in enumerate(graph.nodes, 1)}
    for node in graph.nodes:
        lines.append(f"    {ids[node.key]} [{_node_attributes(node, accent)}];")
    for arrow in graph.arrows:
        attributes = _arrow_attributes(arrow, accent)
        lines.append(f"    {ids[arrow.source]} -> {ids[arrow.target]} [{attributes}];")
    lines.append("  }")
    return lines


def _node_attributes(node: Node, accent: str) -> str:
    shown = (node.caption, node.name, node.detail) if node.name else (node.caption, node.detail)
    style = ["filled", *(["rounded"] if node.shape == "task" else [])]
    style += ["dashed"] if node.ended else []
    attributes = [
        f"label={quote(chr(10).join(t for t in shown if t))}",
        "shape=box",
        f'style="{",".join(style)}"',
        f"tooltip={quote(node.key)}",
    ]
    if node.shape == "thread":
        attributes.append("peripheries=2")
    fill, line = (
        (RESOURCE_FILL, RESOURCE_LINE) if node.shape == "resource" else (TASK_FILL, TASK_LINE)
    )
    if node.role == CYCLE:
        attributes += [f'color="{accent}"', "penwidth=2.5", f'fillcolor="{fill}"']
    elif node.role == COLLATERAL:
        attributes += [f'color="{GREY}"', f'fontcolor="{GREY}"', 'fillcolor="#f6f8fa"']
    else:
        attributes += [f'color="{line}"', f'fillcolor="{fill}"']
    return ", ".join(attributes)


def _arrow_attributes(arrow: Arrow, accent: str) -> str:
    attributes = [f"label={quote(arrow.verb + (chr(10) + arrow.place if arrow.place else ''))}"]
    if arrow.kind == "hold":
        attributes.append("style=dashed")
    if arrow.role == CYCLE:
        attributes += [f'color="{accent}"', f'fontcolor="{accent}"', "penwidth=2.5"]
    elif arrow.role == COLLATERAL:
        attributes += [f'color="{GREY}"', f'fontcolor="{GREY}"']
    return ", ".join(attributes)


def quote(text: str) -> str:
    """`text` as a DOT double-quoted string: quotes and backslashes escaped, lines as `\\n`."""
    body = clean(text).replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{body}"'
