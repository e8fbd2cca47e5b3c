"""The wait-for graph of one finding as nodes and labelled arrows, its cycle marked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiodeadlock.model.findings import LOCK_ORDER, Finding, Resource, TaskReport
from aiodeadlock.model.location import Location
from aiodeadlock.report.places import at, finding_files, short_names

#: A graph with more nodes than this is summarized: its cycle drawn, everything else listed.
MAX_DRAWN_NODES = 40

#: Roles, which decide how a node or arrow is drawn.
CYCLE = "cycle"  # on the deadlock's cycle: highlighted
INVOLVED = "involved"  # part of a finding without a cycle: drawn plainly
COLLATERAL = "collateral"  # waits on the cycle but is not on it: greyed

#: Resources a task waits on until other tasks finish (not held, awaited).
AWAITED_TYPES = frozenset({"Task", "gather", "TaskGroup", "asyncio.wait", "asyncio.as_completed"})


@dataclass(frozen=True)
class Node:
    """A task, thread or resource as a box: a small caption above its name, a detail below."""

    key: str
    shape: str  # "task", "thread" or "resource"
    caption: str
    name: str
    detail: str
    role: str
    ended: bool = False


@dataclass(frozen=True)
class Arrow:
    """A task waits for a resource ("wait"), or a resource is held by a task ("hold")."""

    source: str
    target: str
    kind: str  # "wait" or "hold"
    verb: str  # "waits at", "held since", "held by", ...
    location: Location | None
    place: str  # the location as `file:line`, "" when there is none
    role: str

    @property
    def label(self) -> str:
        return f"{self.verb} {self.place}".strip()


@dataclass(frozen=True)
class FindingGraph:
    nodes: tuple[Node, ...]  # the cycle's nodes first
    arrows: tuple[Arrow, ...]
    #: Tasks and resources of the finding that were left out of a summarized drawing.
    left_out: tuple[Node, ...] = ()

    def node(self, key: str) -> Node | None:
        return next((n for n in self.nodes if n.key == key), None)


def cycle_keys(finding: Finding) -> tuple[str, ...]:
    """The tasks on the finding's cycle; a lock-order finding's code paths form its cycle."""
    if finding.members:
        return finding.members
    if finding.kind.code == LOCK_ORDER.code:
        return tuple(t.key for t in finding.tasks)
    return ()


def build(finding: Finding, max_nodes: int = MAX_DRAWN_NODES) -> FindingGraph:
    """The finding's graph; with more than `max_nodes` nodes, only its cycle (or, without a
    cycle, the tasks waiting where it was caught, with what they wait on and its holders).

    An awaited task is drawn once, as a task: "A awaits B", not "A waits for Task B, which
    needs B to finish"."""
    names = short_names(finding_files(finding))
    waits, holds = _relations(finding)
    task_keys = list(dict.fromkeys([*cycle_keys(finding), *(t.key for t in finding.tasks)]))
    task_keys += [k for k in dict.fromkeys([t for t, _ in waits] + [t for _, t in holds])]
    task_keys = list(dict.fromkeys(task_keys))
    awaited = _awaited_tasks(finding, holds)
    resource_keys = [r.key for r in finding.resources]
    resource_keys += [r for _, r in waits] + [r for r, _ in holds]
    resource_keys = [r for r in dict.fromkeys(resource_keys) if r not in awaited]

    cycle = set(cycle_keys(finding))
    waited = {r for t, r in waits if t in cycle}
    held = {r for r, t in holds if t in cycle}
    on_cycle = cycle | (waited & held)

    def role(*keys: str) -> str:
        if not cycle:
            return INVOLVED
        return CYCLE if all(k in on_cycle for k in keys) else COLLATERAL

    paths = [t.key for t in finding.tasks if t.state == "path"]
    nodes = [_task_node(finding, k, role(k), paths) for k in task_keys]
    nodes += [_resource_node(finding.resource(k), k, role(k), names) for k in resource_keys]
    nodes.sort(key=lambda n: n.role != CYCLE)  # stable: the cycle's nodes first, in order

    arrows = []
    for (t, r), loc in waits.items():
        place = at(loc, names) if loc is not None else ""
        if r in awaited:
            verb = "awaits at" if loc else "awaits"
            arrows.append(Arrow(t, awaited[r], "wait", verb, loc, place, role(t, awaited[r])))
            continue
        verb = "takes at" if t in paths else ("waits at" if loc else "waits for")
        arrows.append(Arrow(t, r, "wait", verb, loc, place, role(t, r)))
    for (r, t), (relation, loc) in holds.items():
        if r in awaited:
            continue
        verb = _hold_verb(relation, finding.resource(r), loc, t in paths)
        place = at(loc, names) if loc is not None else ""
        arrows.append(Arrow(r, t, "hold", verb, loc, place, role(r, t)))

    left_out: list[Node] = []
    if len(nodes) > max_nodes:
        keep = _focus(finding, nodes, arrows, max_nodes)
        left_out = [n for n in nodes if n.key not in keep]
        nodes = [n for n in nodes if n.key in keep]
        arrows = [a for a in arrows if a.source in keep and a.target in keep]
    return FindingGraph(tuple(nodes), tuple(arrows), tuple(left_out))


def _awaited_tasks(
    finding: Finding, holds: Mapping[tuple[str, str], tuple[str, Location | None]]
) -> dict[str, str]:
    """Resources that are a task awaited by others -> that task's key."""
    holders: dict[str, list[str]] = {}
    for r, t in holds:
        holders.setdefault(r, []).append(t)
    out = {}
    for res in finding.resources:
        keys = holders.get(res.key, [])
        if res.type == "Task" and len(keys) == 1 and finding.task(keys[0]) is not None:
            out[res.key] = keys[0]
    return out


def _relations(
    finding: Finding,
) -> tuple[
    dict[tuple[str, str], Location | None], dict[tuple[str, str], tuple[str, Location | None]]
]:
    """Who waits for what (where), and who holds what (how, since where), from the finding's
    edges and its tasks' own records, each pair once."""
    waits: dict[tuple[str, str], Location | None] = {}
    holds: dict[tuple[str, str], tuple[str, Location | None]] = {}
    for e in finding.edges:
        if waits.get((e.waiter, e.resource)) is None:
            waits[(e.waiter, e.resource)] = e.wait_at
        if e.holder is not None:
            known = holds.get((e.resource, e.holder))
            if known is None or known[1] is None:
                holds[(e.resource, e.holder)] = (e.relation, e.since)
    for t in finding.tasks:
        if t.waits_for is not None and waits.get((t.key, t.waits_for)) is None:
            waits[(t.key, t.waits_for)] = t.waits_at
        for h in t.holds:
            known = holds.get((h.resource, t.key))
            if known is None or (known[1] is None and h.since is not None):
                holds[(h.resource, t.key)] = (known[0] if known else "holds", h.since)
    return waits, holds


def _task_node(finding: Finding, key: str, role: str, paths: list[str]) -> Node:
    task = finding.task(key)
    if task is None:
        return Node(key, "task", "task", key, "", role)
    shape = "thread" if task.actor == "thread" else "task"
    caption = shape
    if key in paths:
        caption = f"code path {paths.index(key) + 1} · {shape}"
    if task.state == "ended":
        caption += f" · ended ({task.ended})" if task.ended else " · ended"
    return Node(key, shape, caption, task.name, _task_detail(task), role, task.state == "ended")


def _task_detail(task: TaskReport) -> str:
    if task.state == "ended":
        return task.exception or ""
    where = task.waits_at or (task.stack[-1] if task.stack else None)
    if where is not None and where.function:
        return f"in {where.function}()"
    return "" if task.state in ("waiting", "path") else task.state


def _resource_node(
    resource: Resource | None, key: str, role: str, names: Mapping[str, str]
) -> Node:
    if resource is None:
        return Node(key, "resource", "resource", key, "", role)
    detail = []
    if resource.created_at is not None:
        detail.append(f"created at {at(resource.created_at, names)}")
    if resource.detail:
        detail.append(resource.detail)
    return Node(key, "resource", resource.type, resource.name or "", " · ".join(detail), role)


def _hold_verb(relation: str, resource: Resource | None, since: Location | None, path: bool) -> str:
    if path:
        return "taken at" if since else "taken"
    if relation == "wakes":
        return "would be woken by, who did at" if since else "would be woken by"
    if relation == "runs":
        return "run by"
    awaited = resource is not None and resource.type in AWAITED_TYPES
    if relation == "finishes" or awaited:
        return "until it finishes"
    return "held since" if since else "held by"


def _focus(finding: Finding, nodes: list[Node], arrows: list[Arrow], limit: int) -> set[str]:
    """At most `limit` keys to draw when the whole graph is too big: the cycle; without one,
    what the tasks waiting where it was caught wait for, its holders, then those tasks."""
    cycle = [n.key for n in nodes if n.role == CYCLE]
    if cycle:
        return set(cycle[:limit])
    caught = [a.source for a in arrows if a.kind == "wait" and a.location == finding.location]
    if not caught:
        caught = [n.key for n in nodes if n.shape != "resource"][:1]
    waited = [a.target for a in arrows if a.kind == "wait" and a.source in caught]
    holders = [a.target for a in arrows if a.kind == "hold" and a.source in waited]
    return set(list(dict.fromkeys([*waited, *holders, *caught]))[:limit])
