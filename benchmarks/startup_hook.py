"""Interpreter start with and without aiodeadlock's startup hook (AIODEADLOCK unset).

    python benchmarks/startup_hook.py VENV_PYTHON [--runs 200]

VENV_PYTHON is the python of a venv where aiodeadlock is installed from its wheel (the
editable install has no hook). Each run starts `python -c pass` once with the hook's
.pth in place and once with it moved aside, interleaved; prints min and median of each
and their difference.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
import timeit
from pathlib import Path

PTH = "aiodeadlock-startup.pth"


def _start_time(python: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([python, "-c", "pass"], env=env, check=True, timeout=30)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("python")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    site = subprocess.run(
        [args.python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.strip()
    hook = Path(site) / PTH
    aside = hook.with_suffix(".off")
    if not hook.is_file():
        raise SystemExit(f"no {PTH} in {site}: install aiodeadlock from its wheel there")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    with_hook: list[float] = []
    without: list[float] = []
    try:
        for _ in range(args.runs):
            with_hook.append(_start_time(args.python, env))
            hook.rename(aside)
            try:
                without.append(_start_time(args.python, env))
            finally:
                aside.rename(hook)
    finally:
        if aside.exists():
            aside.rename(hook)
    line = hook.read_text(encoding="ascii")
    code = compile(line, PTH, "exec")
    per_run = min(timeit.repeat(lambda: exec(code, {}), number=10_000, repeat=5)) / 10_000
    print(f"the hook's line alone (as site runs it): {per_run * 1e6:.2f} us")
    for name, times in (("with hook", with_hook), ("without", without)):
        low, mid = min(times) * 1e3, statistics.median(times) * 1e3
        print(f"{name:10} min {low:7.2f} ms  median {mid:7.2f} ms")
    print(
        f"difference: min {(min(with_hook) - min(without)) * 1e3:+.2f} ms, "
        f"median {(statistics.median(with_hook) - statistics.median(without)) * 1e3:+.2f} ms"
    )


if __name__ == "__main__":
    main()
