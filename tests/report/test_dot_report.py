"""The DOT report: the same nodes, labels and highlighting, and Graphviz accepts it."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import report_samples as samples

from aiodeadlock.model.report import Report
from aiodeadlock.report.dot import DEADLOCK_RED, GREY, POTENTIAL_ORANGE, quote, render_report

DOT = shutil.which("dot")
#: Set (as CI does) to fail rather than skip when Graphviz is missing.
REQUIRE_TOOLS = bool(os.environ.get("AIODEADLOCK_REQUIRE_TOOLS"))
needs_graphviz = pytest.mark.skipif(
    DOT is None and not REQUIRE_TOOLS,
    reason="Graphviz's `dot` is not installed (apt-get install -y graphviz)",
)
SOURCE = "/srv/app/bank.py"
NODE = re.compile(r"^\s+(f\d+_n\d+) \[(.*)\];$")
ARROW = re.compile(r"^\s+(f\d+_n\d+) -> (f\d+_n\d+) \[(.*)\];$")


def statements(dot: str) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    nodes = {m[1]: m[2] for line in dot.splitlines() if (m := NODE.match(line))}
    arrows = [(m[1], m[2], m[3]) for line in dot.splitlines() if (m := ARROW.match(line))]
    return nodes, arrows


def label(attributes: str) -> str:
    match = re.search(r'label="((?:[^"\\]|\\.)*)"', attributes)
    assert match, attributes
    return match[1]


def test_one_cluster_per_finding_with_its_verdict() -> None:
    dot = render_report(samples.full_report(SOURCE))
    assert dot.startswith("digraph aiodeadlock {") and dot.rstrip().endswith("}")
    clusters = re.findall(r"subgraph (cluster_f\d+) \{", dot)
    assert clusters == ["cluster_f1", "cluster_f2", "cluster_f3"]
    assert "deadlock: wait-cycle (DL102)\\n2 tasks wait for each other" in dot
    assert "potential deadlock: lock-order (DL104)" in dot


def test_nodes_and_labelled_arrows_match_the_finding() -> None:
    nodes, arrows = statements(render_report(Report((samples.lock_cycle(SOURCE),))))
    labels = {label(a) for a in nodes.values()}
    assert labels == {
        "task\\nworker-1\\nin transfer_ab()",
        "task\\nworker-2\\nin transfer_ba()",
        "task\\nauditor\\nin audit()",
        f"Lock\\nlock_a\\ncreated at bank.py:{samples.CREATE_A}",
        f"Lock\\nlock_b\\ncreated at bank.py:{samples.CREATE_B}",
    }
    by_label = {label(a): key for key, a in nodes.items()}
    worker, lock_b = (
        by_label["task\\nworker-1\\nin transfer_ab()"],
        by_label[f"Lock\\nlock_b\\ncreated at bank.py:{samples.CREATE_B}"],
    )
    (wait,) = [a for s, t, a in arrows if (s, t) == (worker, lock_b)]
    assert label(wait) == f"waits at\\nbank.py:{samples.WAIT_B}"
    assert len(arrows) == 5


def test_the_cycle_is_red_and_the_bystander_grey() -> None:
    nodes, arrows = statements(render_report(Report((samples.lock_cycle(SOURCE),))))
    red = [k for k, a in nodes.items() if f'color="{DEADLOCK_RED}"' in a]
    grey = [k for k, a in nodes.items() if f'color="{GREY}"' in a]
    assert len(red) == 4 and len(grey) == 1
    assert "auditor" in label(nodes[grey[0]])
    assert sum(f'color="{DEADLOCK_RED}"' in a for _, _, a in arrows) == 4
    assert sum("style=dashed" in a for _, _, a in arrows) == 2  # the two "held since" arrows


def test_a_potential_cycle_is_orange() -> None:
    nodes, _ = statements(render_report(Report((samples.lock_order(SOURCE),))))
    assert all(f'color="{POTENTIAL_ORANGE}"' in a for a in nodes.values())


def test_quoting() -> None:
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("C:\\temp\\N") == '"C:\\\\temp\\\\N"'  # no \N escape left for Graphviz
    assert quote("two\nlines\r\n") == '"two\\nlines\\n"'
    assert quote("\ud800") == '"\\\\ud800"'


def dot_to_svg(source: str, tmp_path: Path) -> str:
    assert DOT is not None, "Graphviz is not installed (AIODEADLOCK_REQUIRE_TOOLS is set)"
    path = tmp_path / "report.dot"
    path.write_text(source, encoding="utf-8")
    done = subprocess.run(
        [DOT, "-Tsvg", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    return html.unescape(done.stdout)  # Graphviz writes '-' as &#45;


@needs_graphviz
def test_graphviz_draws_every_finding(tmp_path: Path) -> None:
    svg = dot_to_svg(render_report(samples.full_report(SOURCE)), tmp_path)
    for word in ("worker-1", "worker-2", "auditor", "lock_a", f"bank.py:{samples.WAIT_B}"):
        assert word in svg
    assert svg.count('class="cluster"') == 3


@needs_graphviz
def test_graphviz_accepts_hostile_names_and_an_empty_report(tmp_path: Path) -> None:
    hostile = samples.lock_cycle('C:\\dir\\"quoted".py', first='a"b\\', second="}\n]; x -> y [")
    svg = dot_to_svg(render_report(Report((hostile,))), tmp_path)
    assert 'a"b\\' in svg and "]; x -> y [" in svg  # shown, not run as DOT
    assert svg.count('class="node"') == 5 and svg.count('class="edge"') == 5
    empty = dot_to_svg(render_report(Report()), tmp_path)
    assert "no deadlock found" in empty
