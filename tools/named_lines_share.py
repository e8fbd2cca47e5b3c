#!/usr/bin/env python3
"""The share of the lines a fix needs that reports name, over the scenario corpus.

Each deadlocking scenario lists, in its header (`# expect: KIND lines=7,10`), the lines of
the program a fix needs. This runs every such scenario under `aiodeadlock run` and counts
how many of those lines the report names anywhere (the finding's location, edges, tasks'
waits, stacks, holds, ends, cancels). `--src` measures another checkout's sources (for a
before/after table), with today's expectations:

    python tools/named_lines_share.py --python 3.12 --src /tmp/before/src
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "tests" / "scenarios"
_DIRECTIVE = re.compile(r"#\s*(expect|args|timeout|requires):\s*(.*)")


@dataclass
class Case:
    path: Path
    kind: str
    lines: list[int]
    args: list[str]
    timeout: float
    requires: tuple[int, int] | None


def cases() -> Iterator[Case]:
    """Every scenario that expects a definite finding and lists the lines it must name."""
    for path in sorted(SCENARIOS.rglob("*.py")):
        head: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                break
            match = _DIRECTIVE.match(line)
            if match:
                head[match.group(1)] = match.group(2).strip()
        expect = head.get("expect", "none").split()
        if not expect or expect[0] == "none":
            continue
        lines = [
            int(n) for part in expect[1:] if part.startswith("lines=") for n in part[6:].split(",")
        ]
        if not lines:
            continue
        requires = head.get("requires")
        version = tuple(int(n) for n in requires.split(".")[:2]) if requires else None
        yield Case(
            path,
            expect[0],
            lines,
            shlex.split(head.get("args", "")),
            float(head.get("timeout", "10")),
            version,  # type: ignore[arg-type]
        )


def named_lines(value: object, filename: str) -> set[int]:
    """Every line of `filename` that a location object inside `value` names."""
    found: set[int] = set()
    if isinstance(value, dict):
        file, line = value.get("file"), value.get("line")
        if isinstance(file, str) and isinstance(line, int) and Path(file).name == filename:
            found.add(line)
        for item in value.values():
            found |= named_lines(item, filename)
    elif isinstance(value, list):
        for item in value:
            found |= named_lines(item, filename)
    return found


def measure(python: str, src: Path, case: Case) -> tuple[Case, set[int], str]:
    """(the case, the expected lines its report names, what went wrong or "")."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        cmd = [python, "-m", "aiodeadlock", "run", "--format", "json", "--output", str(out)]
        cmd += [*case.args, str(case.path)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
        env["PYTHONPATH"] = str(src)
        try:
            subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, timeout=case.timeout + 5)
        except subprocess.TimeoutExpired:
            pass  # report mode lets a program hang: its report was written already
        try:
            report = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return case, set(), "no report"
    findings = [f for f in report.get("findings", []) if f.get("definite")]
    if not findings:
        return case, set(), "no definite finding"
    named = named_lines(findings, case.path.name)
    return case, named & set(case.lines), ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default=sys.executable, help="interpreter (path or 3.12)")
    parser.add_argument("--src", default=str(REPO / "src"), help="aiodeadlock sources to run")
    parser.add_argument("--jobs", type=int, default=2, help="scenarios at once")
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per scenario")
    args = parser.parse_args(argv)
    python = args.python
    if re.fullmatch(r"3\.\d+", python):
        python = os.path.expanduser(f"~/.pyenv/versions/{python}") + "/bin/python"
        candidates = sorted(Path("~/.pyenv/versions").expanduser().glob(f"{args.python}.*"))
        if candidates:
            python = str(candidates[-1] / "bin" / "python")
    version = subprocess.run(
        [python, "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    have = (int(version[0]), int(version[1]))
    todo = [c for c in cases() if c.requires is None or c.requires <= have]
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda c: measure(python, Path(args.src), c), todo))
    expected = sum(len(c.lines) for c, _, _ in results)
    named = sum(len(n) for _, n, _ in results)
    missed = [(c, why) for c, _, why in results if why]
    for case, found, why in results if args.verbose else ():
        rel = case.path.relative_to(SCENARIOS)
        print(f"{rel}: {len(found)}/{len(case.lines)}" + (f" ({why})" if why else ""))
    print(
        f"{len(results)} scenarios, {expected} expected lines: {named} named "
        f"({100 * named / max(expected, 1):.1f}%); {len(missed)} without a definite finding"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
