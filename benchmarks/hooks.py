#!/usr/bin/env python3
"""Cost of the loop hook and of lock-order tracking, as ratios to plain asyncio measured in
the same run (each variant in a fresh process, minimum of several repetitions).

    python benchmarks/hooks.py [--repeat 5] [--json PATH]

loop_iterations: one task doing `await asyncio.sleep(0)` (one loop iteration each) while 100
other tasks sleep on a timer: the per-iteration hook and its busy-loop scans.
nested_locks: `async with a: async with b:` (the lock-order graph sees every nesting).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
WORKER = """
import asyncio, sys, time
sys.path.insert(0, {src!r})
if {installed}:
    import aiodeadlock
    aiodeadlock.install(on_deadlock="exit", output="-")

async def loop_iterations(n):
    sleepers = [asyncio.create_task(asyncio.sleep(3600)) for _ in range(100)]
    for _ in range(n):
        await asyncio.sleep(0)
    for s in sleepers:
        s.cancel()

async def nested_locks(n):
    a, b = asyncio.Lock(), asyncio.Lock()
    for _ in range(n):
        async with a:
            async with b:
                pass

async def timed(fn, n):
    start = time.perf_counter()
    await fn(n)
    return (time.perf_counter() - start) / n * 1e9

fn = {workload}
print(min(asyncio.run(timed(fn, {n})) for _ in range(3)))
"""
SIZES = {"loop_iterations": 200_000, "nested_locks": 100_000}


def measure(workload: str, installed: bool, n: int) -> float:
    code = WORKER.format(src=str(SRC), installed=installed, workload=workload, n=n)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = {}
    print(f"CPython {sys.version.split()[0]}, min of {args.repeat} fresh processes")
    for workload, n in SIZES.items():
        plain: list[float] = []
        instr: list[float] = []
        for _ in range(args.repeat):  # interleaved, so drift hits both variants alike
            plain.append(measure(workload, False, n))
            instr.append(measure(workload, True, n))
        ratio = min(instr) / min(plain)
        results[workload] = {
            "plain_ns": min(plain),
            "installed_ns": min(instr),
            "plain_range": [min(plain), max(plain)],
            "installed_range": [min(instr), max(instr)],
            "ratio": ratio,
        }
        print(
            f"{workload:16} plain {min(plain):7.0f} ns ({min(plain):.0f}-{max(plain):.0f})  "
            f"installed {min(instr):7.0f} ns ({min(instr):.0f}-{max(instr):.0f})  "
            f"ratio {ratio:.2f}x"
        )
    if args.json:
        args.json.write_text(json.dumps({"python": sys.version.split()[0], **results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
