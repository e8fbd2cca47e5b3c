#!/usr/bin/env python3
"""Benchmark asyncio locks plain vs aiodeadlock.install() vs asyncio debug mode, in one run."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
VARIANTS = ("plain", "installed", "debug")
#: Operations per measurement in a full run; --quick divides them by QUICK_DIVISOR.
SIZES = {"lock_uncontended": 100_000, "lock_pingpong": 20_000, "semaphore_uncontended": 100_000}
QUICK_DIVISOR = 5
#: Debug mode is 5-10x slower: it does fewer operations (the figures are per operation).
DEBUG_DIVISOR = 5
WORKER_TIMEOUT = 300.0
#: Timed rounds inside each worker process (after one warm-up round); the fastest counts.
INNER_ROUNDS = 3


# -- workloads (run inside a fresh worker process) ---------------------------------------


async def lock_uncontended(n: int) -> None:
    """One task: `async with lock` n times, never waiting."""
    lock = asyncio.Lock()
    for _ in range(n):
        async with lock:
            pass


async def lock_pingpong(n: int) -> None:
    """Two tasks take one lock in turns: every acquire (n in all) finds it held and waits."""
    lock = asyncio.Lock()

    async def player() -> None:
        for _ in range(n // 2):
            async with lock:
                await asyncio.sleep(0)

    await asyncio.gather(player(), player())


async def semaphore_uncontended(n: int) -> None:
    """One task: `async with semaphore` n times, a permit always free."""
    sem = asyncio.Semaphore(2)
    for _ in range(n):
        async with sem:
            pass


WORKLOADS: dict[str, Callable[[int], Coroutine[Any, Any, None]]] = {
    "lock_uncontended": lock_uncontended,
    "lock_pingpong": lock_pingpong,
    "semaphore_uncontended": semaphore_uncontended,
}


def worker(workload: str, variant: str, n: int) -> None:
    """Measure one workload in this (fresh) process and print ns per operation as JSON."""
    if variant == "installed":
        import aiodeadlock

        aiodeadlock.install()
    if variant == "debug" and os.environ.get("PYTHONASYNCIODEBUG") != "1":
        raise SystemExit("the debug variant must run with PYTHONASYNCIODEBUG=1")
    body = WORKLOADS[workload]
    asyncio.run(body(max(n // 10, 1)))  # warm up: imports, caches, first-call costs
    best = None
    for _ in range(INNER_ROUNDS):  # the best of a few rounds: other load only adds time
        start = time.perf_counter_ns()
        asyncio.run(body(n))
        elapsed = time.perf_counter_ns() - start
        best = elapsed if best is None else min(best, elapsed)
    assert best is not None
    print(json.dumps({"ns_per_op": best / n}))


# -- driver ------------------------------------------------------------------------------


def measure(python: str, workload: str, variant: str, n: int) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(SRC)
    if variant == "debug":
        env["PYTHONASYNCIODEBUG"] = "1"
    out = subprocess.run(
        [python, str(Path(__file__).resolve()), "--worker", workload, variant, str(n)],
        capture_output=True,
        text=True,
        env=env,
        timeout=WORKER_TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    if out.returncode != 0:
        raise RuntimeError(f"{workload}/{variant} on {python} failed:\n{out.stderr[-2000:]}")
    return float(json.loads(out.stdout.strip().splitlines()[-1])["ns_per_op"])


def bench_python(python: str, repeat: int, quick: bool) -> dict[str, Any]:
    """All workloads and variants on one interpreter; variants interleaved round by round."""
    version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()
    samples: dict[str, dict[str, list[float]]] = {w: {v: [] for v in VARIANTS} for w in WORKLOADS}
    for _ in range(repeat):
        for workload, size in SIZES.items():
            n = size // QUICK_DIVISOR if quick else size
            for variant in VARIANTS:
                ops = n // DEBUG_DIVISOR if variant == "debug" else n
                samples[workload][variant].append(measure(python, workload, variant, ops))
    results: dict[str, Any] = {"python": python, "version": version, "workloads": {}}
    for workload, by_variant in samples.items():
        plain = min(by_variant["plain"])
        results["workloads"][workload] = {
            variant: {
                "ns_per_op": min(values),
                "max_ns_per_op": max(values),
                "ratio": min(values) / plain,
                "samples": values,
            }
            for variant, values in by_variant.items()
        }
    return results


def print_table(results: dict[str, Any], repeat: int) -> None:
    print(f"\nCPython {results['version']} ({results['python']}), min of {repeat} fresh processes")
    print(f"{'workload':<24}{'variant':<11}{'ns/op':>9}  {'range':<15}{'ratio':>7}")
    for workload, by_variant in results["workloads"].items():
        for variant, r in by_variant.items():
            rng = f"{r['ns_per_op']:.0f}-{r['max_ns_per_op']:.0f}"
            ns, ratio = r["ns_per_op"], r["ratio"]
            print(f"{workload:<24}{variant:<11}{ns:>9.0f}  {rng:<15}{ratio:>6.2f}x")


def all_pythons() -> list[str]:
    """The newest installed pyenv patch release of each of 3.10-3.13."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = []
    for minor in ("3.10", "3.11", "3.12", "3.13"):
        pattern = re.compile(rf"{re.escape(minor)}\.\d+")
        matches = [p for p in root.glob(f"{minor}.*") if pattern.fullmatch(p.name)]
        if matches:
            best = max(matches, key=lambda p: int(p.name.rsplit(".", 1)[1]))
            found.append(str(best / "bin" / "python3"))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["--worker"]:
        worker(args_in[1], args_in[2], int(args_in[3]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes per measurement")
    parser.add_argument("--quick", action="store_true", help="fewer operations, 3 repeats")
    parser.add_argument("--json", metavar="PATH", help="write all figures as JSON")
    parser.add_argument("--python", action="append", help="interpreter(s) to use")
    parser.add_argument("--all-pythons", action="store_true", help="every installed 3.10-3.13")
    args = parser.parse_args(args_in)
    repeat = 3 if args.quick and "--repeat" not in " ".join(args_in) else args.repeat
    pythons = args.python or (all_pythons() if args.all_pythons else [sys.executable])
    report = {"machine": platform.platform(), "repeat": repeat, "quick": args.quick, "runs": []}
    for python in pythons:
        results = bench_python(python, repeat, args.quick)
        print_table(results, repeat)
        report["runs"].append(results)
    if len(report["runs"]) > 1:
        print("\nsummary (ns/op plain; ratios installed and debug to plain)")
        for r in report["runs"]:
            cells = [
                f"{w} {v['plain']['ns_per_op']:.0f}ns"
                f" {v['installed']['ratio']:.2f}x/{v['debug']['ratio']:.2f}x"
                for w, v in r["workloads"].items()
            ]
            print(f"  {r['version']:<8} " + "; ".join(cells))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
