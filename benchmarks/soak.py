#!/usr/bin/env python3
"""Memory soak: create and drop many tasks and locks (nested, so lock order is tracked)
under aiodeadlock, and report traced memory before and after.

    python benchmarks/soak.py [--count 1000000] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import aiodeadlock


async def churn(count: int, batch: int = 1000) -> None:
    """`count` locks and `count // 2` tasks, in batches; each task nests two fresh locks."""

    async def worker(outer: asyncio.Lock, inner: asyncio.Lock) -> None:
        async with outer, inner:
            await asyncio.sleep(0)

    for _ in range(count // batch):
        locks = [asyncio.Lock() for _ in range(batch)]
        await asyncio.gather(*(worker(locks[i], locks[i + 1]) for i in range(0, batch, 2)))


def measure(count: int) -> dict[str, float]:
    aiodeadlock.install(on_deadlock="exit", output="-")
    asyncio.run(churn(10_000))  # warm-up: caches, code objects, first edges
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    asyncio.run(churn(count))
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    aiodeadlock.uninstall()
    return {
        "locks": count,
        "tasks": count // 2,
        "traced_before_kib": before / 1024,
        "traced_after_kib": after / 1024,
        "growth_kib": (after - before) / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.count)
    print(
        f"Python {sys.version.split()[0]}: {result['locks']:,} locks and {result['tasks']:,} "
        f"tasks created and dropped; traced memory {result['traced_before_kib']:.0f} KiB -> "
        f"{result['traced_after_kib']:.0f} KiB ({result['growth_kib']:+.0f} KiB)"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
