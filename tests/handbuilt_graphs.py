"""Wait-for graphs built by hand for the detectors' tests: a GraphView over given nodes."""

from __future__ import annotations

from collections.abc import Iterable

from aiodeadlock.model.waitgraph import ResourceNode, TaskNode


class NodeGraph:
    """A GraphView over the task and resource nodes it is given, by key."""

    def __init__(self, tasks: Iterable[TaskNode], resources: Iterable[ResourceNode]) -> None:
        self.tasks = {t.key: t for t in tasks}
        self.resources = {r.key: r for r in resources}

    def task(self, key: str) -> TaskNode:
        return self.tasks[key]

    def resource(self, key: str) -> ResourceNode:
        return self.resources[key]
