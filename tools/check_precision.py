#!/usr/bin/env python3
"""Run `aiodeadlock check` over real code and measure it: precision, crashes and time.

The code is CPython's standard library (of an interpreter, without site-packages) and pinned
wheels of asyncio libraries from PyPI, fetched once into a cache directory. Every finding must
have a verdict recorded in VERDICTS below: "bug" (a real bug), "true" (a true instance of the
rule's pattern that is not a bug where it stands, e.g. a test of the primitive itself) or
"false" (a false positive). The run fails on a crash, an unjudged finding, or a precision
below 90%.

    python tools/check_precision.py                      # everything, markdown on stdout
    python tools/check_precision.py --projects aiohttp   # one project
    python tools/check_precision.py --markdown out.md --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

CACHE = Path.home() / ".cache" / "aiodeadlock" / "check-precision"
PIP_TIMEOUT = 600.0
CHECK_TIMEOUT = 600.0
MIN_PRECISION = 0.9
# Binary wheels are fetched for this interpreter tag; only their Python files are checked.
_WHEEL_TAGS = (
    "--python-version",
    "3.12",
    "--implementation",
    "cp",
    "--abi",
    "cp312",
    *("--platform", "manylinux_2_17_x86_64"),
    *("--platform", "manylinux2014_x86_64"),
    *("--platform", "manylinux_2_28_x86_64"),
    *("--platform", "manylinux1_x86_64"),
    *("--platform", "any"),
)


@dataclass(frozen=True)
class Library:
    """A library from PyPI: the pinned version and the packages of its wheel to check."""

    version: str
    packages: tuple[str, ...]
    note: str = ""


LIBRARIES: dict[str, Library] = {
    "aiohttp": Library("3.14.5", ("aiohttp",), "HTTP client/server; locks, events, futures"),
    "httpcore": Library("1.0.9", ("httpcore",), "connection pools, sync and async twins"),
    "redis": Library("8.1.0", ("redis",), "redis-py with redis.asyncio; pools, locks"),
    "anyio": Library("4.16.0", ("anyio",), "structured concurrency on asyncio and trio"),
    "starlette": Library("1.10.0", ("starlette",), "ASGI toolkit"),
    "asyncpg": Library("0.32.0", ("asyncpg",), "PostgreSQL driver; pool with locks"),
    "tortoise-orm": Library("1.1.9", ("tortoise",), "ORM; transactions hold locks"),
    "aiokafka": Library("0.14.0", ("aiokafka",), "Kafka client; coordinator and fetcher"),
    "websockets": Library("17.4", ("websockets",), "WebSocket; asyncio and threading twins"),
    "asyncssh": Library("2.24.1", ("asyncssh",), "SSH; run_coroutine_threadsafe bridges"),
    "aiomysql": Library("0.3.2", ("aiomysql",), "MySQL driver; pool on a Condition"),
    "aio-pika": Library("10.2.1", ("aio_pika",), "AMQP client; locks around channels"),
}

# (project, path as reported, line, code) -> (verdict, one-line reason).
# "cpython-3.12.1" paths are relative to that interpreter's Lib/ directory.
_LOCKS = "test/test_asyncio/test_locks.py"
_TEST_CONDITION = "a test of asyncio.Condition itself waits without a predicate loop on purpose"
_TEST_ACQUIRE = "a test of the primitive takes it by hand and releases it on the normal path only"
VERDICTS: dict[tuple[str, str, int, str], tuple[str, str]] = {
    ("cpython-3.12.1", _LOCKS, 242, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 401, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 407, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 413, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 504, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 509, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 535, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 566, "DL211"): ("true", "test_wait_for_unacquired, on purpose"),
    ("cpython-3.12.1", _LOCKS, 577, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 578, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 584, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 585, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 591, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 592, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 630, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 631, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 637, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 638, "DL211"): ("true", _TEST_CONDITION),
    ("cpython-3.12.1", _LOCKS, 956, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 961, "DL201"): ("true", _TEST_ACQUIRE),
    ("cpython-3.12.1", _LOCKS, 989, "DL201"): ("true", _TEST_ACQUIRE),
}


@dataclass(frozen=True)
class Finding:
    """One finding, with its path relative to the checked tree."""

    path: str
    line: int
    code: str
    message: str


@dataclass
class Run:
    """One `aiodeadlock check` run."""

    seconds: float
    exit_code: int
    files: int = 0
    findings: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def crashed(self) -> bool:
        """Exit 2 (or worse), or an internal error reported for some file."""
        return self.exit_code not in (0, 1) or bool(self.errors)


@dataclass
class Result:
    """A project's runs and the verdicts of its findings."""

    name: str
    version: str
    note: str
    cold: Run
    warm: list[float] = field(default_factory=list)
    colds: list[float] = field(default_factory=list)

    def verdicts(self) -> list[tuple[Finding, str, str]]:
        """Each finding with its verdict ("" if none is recorded) and reason."""
        out = []
        for f in self.cold.findings:
            verdict, why = VERDICTS.get((self.key, f.path, f.line, f.code), ("", ""))
            out.append((f, verdict, why))
        return out

    @property
    def key(self) -> str:
        return f"{self.name}-{self.version}"


def _check(cmd: Sequence[str], timeout: float, cwd: Path | None = None) -> str:
    proc = subprocess.run(
        list(cmd),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode:
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise RuntimeError(f"exit {proc.returncode}: {' '.join(cmd)}\n{tail}")
    return proc.stdout


def fetch_library(name: str, lib: Library, cache: Path) -> Path:
    """The unpacked wheel of `name` at its pinned version (downloaded once)."""
    tree = cache / "src" / f"{name}-{lib.version}"
    if tree.is_dir():
        return tree
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    stem = f"{name.replace('-', '_')}-{lib.version}-"
    found = [w for w in wheels.glob("*.whl") if w.name.lower().startswith(stem.lower())]
    if not found:
        _check(
            [
                *(sys.executable, "-m", "pip", "download", "--no-deps", "--no-input", "-q"),
                *("--only-binary", ":all:", *_WHEEL_TAGS, "-d", str(wheels)),
                f"{name}=={lib.version}",
            ],
            PIP_TIMEOUT,
        )
        found = [w for w in wheels.glob("*.whl") if w.name.lower().startswith(stem.lower())]
    if not found:
        raise RuntimeError(f"no wheel of {name}=={lib.version} in {wheels}")
    partial = tree.with_name(tree.name + ".partial")
    with zipfile.ZipFile(found[0]) as wheel:
        wheel.extractall(partial)  # zipfile drops absolute paths and ".." parts
    partial.rename(tree)
    return tree


def cpython_lib(python: str) -> tuple[str, Path]:
    """(version, standard library directory) of an interpreter."""
    code = "import platform, sysconfig; print(platform.python_version()); "
    code += "print(sysconfig.get_paths()['stdlib'])"
    version, stdlib = _check([python, "-c", code], 60).split("\n")[:2]
    return version, Path(stdlib)


def run_check(
    paths: Sequence[Path], base: Path, cwd: Path, cache: bool, timeout: float = CHECK_TIMEOUT
) -> Run:
    """Run the checker on `paths` from `cwd`; finding paths are made relative to `base`."""
    cmd = [sys.executable, "-m", "aiodeadlock", "check", "--format", "json"]
    cmd += [] if cache else ["--no-cache"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    start = time.perf_counter()
    proc = subprocess.run(
        [*cmd, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    run = Run(time.perf_counter() - start, proc.returncode)
    run.errors = [line for line in proc.stderr.splitlines() if line.strip()]
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        return run
    run.files = doc.get("files_checked", 0)
    for f in doc.get("findings", []):
        where = Path(f["location"]["file"])
        rel = Path(os.path.relpath(where if where.is_absolute() else cwd / where, base))
        line, code = f["location"]["line"], f["code"]
        run.findings.append(Finding(rel.as_posix(), line, code, f["message"]))
    return run


def measure_library(name: str, cache: Path, repeat: int) -> Result:
    """Check one library from scratch (`--no-cache`), `repeat` times; findings of the first."""
    lib = LIBRARIES[name]
    tree = fetch_library(name, lib, cache)
    paths = [Path(p) for p in lib.packages]
    runs = [run_check(paths, tree, tree, cache=False) for _ in range(repeat)]
    result = Result(name, lib.version, lib.note, runs[0])
    result.colds = [r.seconds for r in runs]
    return result


def measure_cpython(python: str, repeat: int) -> Result:
    """Check an interpreter's Lib/ (without site-packages): cold with an empty cache, then
    warm with the cache that run left; `repeat` times each."""
    version, stdlib = cpython_lib(python)
    paths = sorted(p for p in stdlib.iterdir() if p.name != "site-packages")
    colds: list[Run] = []
    warm: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="adl-precision-") as tmp:
            colds.append(run_check(paths, stdlib, Path(tmp), cache=True))
            warm += [run_check(paths, stdlib, Path(tmp), cache=True).seconds for _ in range(2)]
    result = Result("cpython", version, "the standard library and its tests", colds[0])
    result.colds = [r.seconds for r in colds]
    result.warm = warm
    return result


def _seconds(values: Sequence[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def summary(results: Sequence[Result]) -> tuple[int, int, int, int]:
    """(findings, true ones (bugs included), false ones, unjudged ones)."""
    counts: Counter[str] = Counter(v for r in results for _, v, _ in r.verdicts())
    total = sum(counts.values())
    return total, counts["true"] + counts["bug"], counts["false"], counts[""]


def markdown(results: Sequence[Result]) -> str:
    """The precision table and the list of findings with their verdicts."""
    lines = [
        "| project | version | files | findings | true (bugs) / false per rule | crashes "
        "| time cold, s | time warm, s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        per_rule: dict[str, Counter[str]] = {}
        for f, verdict, _ in r.verdicts():
            per_rule.setdefault(f.code, Counter())[verdict or "unjudged"] += 1
        rules = ", ".join(
            f"{code} {c['true'] + c['bug']}"
            + (f" ({c['bug']})" if c["bug"] else "")
            + f"/{c['false']}"
            + (f" +{c['unjudged']} unjudged" if c["unjudged"] else "")
            for code, c in sorted(per_rule.items())
        )
        crashes = "yes" if r.cold.crashed else "0"
        lines.append(
            f"| {r.name} | {r.version} | {r.cold.files} | {len(r.cold.findings)} "
            f"| {rules or '-'} | {crashes} | {_seconds(r.colds)} | {_seconds(r.warm)} |"
        )
    total, true, false, unjudged = summary(results)
    precision = true / (true + false) if true + false else 1.0
    lines += ["", f"{total} findings: {true} true, {false} false, {unjudged} unjudged; "]
    lines[-1] += f"precision {precision:.0%}."
    lines += ["", "| project | finding | verdict | why |", "|---|---|---|---|"]
    for r in results:
        for f, verdict, why in r.verdicts():
            where = f"`{f.path}:{f.line}` {f.code}"
            lines.append(f"| {r.name} | {where} | {verdict or 'UNJUDGED'} | {why} |")
    return "\n".join(lines) + "\n"


def ok(results: Sequence[Result]) -> bool:
    """No crash, every finding judged, and precision at least MIN_PRECISION."""
    _, true, false, unjudged = summary(results)
    precise = true / (true + false) >= MIN_PRECISION if true + false else True
    return precise and not unjudged and not any(r.cold.crashed for r in results)


def parse_projects(spec: str | None) -> list[str]:
    """Project names from a comma-separated list ("cpython" and LIBRARIES), checked."""
    known = ["cpython", *LIBRARIES]
    if not spec:
        return known
    names = [n.strip() for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError(f"unknown project(s) {', '.join(unknown) or '(none)'}; known: {known}")
    return list(dict.fromkeys(names))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    p.add_argument("--projects", help="comma-separated projects (default: all)")
    p.add_argument("--cache", type=Path, default=CACHE, help=f"downloads (default {CACHE})")
    p.add_argument("--python", default=sys.executable, help="interpreter whose Lib/ to check")
    p.add_argument("--repeat", type=int, default=1, help="timed runs per project (default 1)")
    p.add_argument("--markdown", type=Path, help="also write the markdown report here")
    p.add_argument("--list", action="store_true", help="print the pinned projects and exit")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        names = parse_projects(args.projects)
    except ValueError as exc:
        parser.error(str(exc))
    if args.repeat < 1:
        parser.error("--repeat must be positive")
    if args.list:
        for name in names:
            lib = LIBRARIES.get(name)
            print(f"{name}=={lib.version}: {lib.note}" if lib else f"{name}: {args.python}")
        return 0
    results: list[Result] = []
    for name in names:
        if name == "cpython":
            results.append(measure_cpython(args.python, args.repeat))
        else:
            results.append(measure_library(name, args.cache, args.repeat))
        for line in results[-1].cold.errors:
            print(f"{name}: {line}", file=sys.stderr)
    report = markdown(results)
    sys.stdout.write(report)
    if args.markdown:
        args.markdown.write_text(report, encoding="utf-8")
    return 0 if ok(results) else 1


if __name__ == "__main__":
    sys.exit(main())
