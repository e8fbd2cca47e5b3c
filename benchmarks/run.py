#!/usr/bin/env python3
"""Benchmark suite: asyncio workloads plain, under aiodeadlock and in asyncio debug mode."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workloads import INSTALL, SCALE, VARIANTS, WORKLOADS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "workloads.py"
#: The aiodeadlock source the workers import (--src: another checkout's, to compare).
SRC = REPO / "src"
SCHEMA = 1

#: Timed rounds per worker process (after a warm-up); the fastest counts. A process stops
#: early once its rounds took TIME_BUDGET seconds (a slow variant then has fewer rounds).
ROUNDS = {"full": 3, "quick": 2}
TIME_BUDGET = {"full": 0.6, "quick": 0.2}
REPEAT = {"full": 5, "quick": 2}
#: --quick divides every workload's operations by this.
QUICK_DIVISOR = 5
#: The scale workload: blocked tasks, and objects for the memory figures.
SCALE_TASKS = {"full": 100_000, "quick": 10_000}
SCALE_OBJECTS = {"full": 10_000, "quick": 2_000}
SCALE_VARIANTS = ("plain", "default", "all")
#: In the scale workload the "all" variant's long-wait threshold is raised above the run's
#: length: at 1 s every one of the blocked tasks gets a long-wait note (minutes of work),
#: which is not what the workload measures. Its scans still run (every threshold / 4).
SCALE_LONG_WAIT = 10.0
TIMED_TIMEOUT = 180.0
#: Per 10,000 blocked tasks, at least 30 s (a cycle never reported ends the process).
SCALE_TIMEOUT_PER_10K = 3.0


# -- running workers -----------------------------------------------------------------------


class WorkerError(Exception):
    """A worker process failed or timed out (`partial`: what it printed before)."""

    partial: dict[str, Any] | None = None


def _env(variant: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = str(SRC)
    if variant == "debug":
        env["PYTHONASYNCIODEBUG"] = "1"
    return env


def _worker(python: str, args: list[str], variant: str, timeout: float) -> dict[str, Any]:
    try:
        out = subprocess.run(
            [python, str(WORKER), *args],
            capture_output=True,
            text=True,
            env=_env(variant),
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            cwd=REPO,
        )
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        error = WorkerError(f"{' '.join(args)}: no result after {timeout:.0f} s")
        if partial.strip():  # the scale worker's figures before its await cycle
            error.partial = json.loads(partial.strip().splitlines()[-1])
        raise error from None
    if out.returncode != 0 or not out.stdout.strip():
        tail = out.stderr.strip()[-1500:]
        raise WorkerError(f"{' '.join(args)}: exit status {out.returncode}\n{tail}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _python_info(python: str) -> dict[str, str]:
    code = (
        "import platform, sys; print(platform.python_version(), sys.implementation.name)\n"
        "try:\n    from aiodeadlock.instrument.accel import describe\n"
        "except ImportError:\n    print('pure Python (a version without the C fast paths)')\n"
        "else:\n    print(describe())\n"
    )
    out = subprocess.run(
        [python, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env=_env("default"),
    )
    first, build = out.stdout.splitlines()[:2]
    version, implementation = first.split()
    # which build of aiodeadlock the installed variants use (C fast paths or pure Python)
    return {"python": python, "version": version, "implementation": implementation, "build": build}


def _progress(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def bench_python(
    python: str, workloads: list[str], mode: str, repeat: int, tasks: int
) -> dict[str, Any]:
    """Every workload and variant on one interpreter: repeat rounds, each a fresh process
    per (workload, variant), variants interleaved and their order rotated round by round."""
    run: dict[str, Any] = {**_python_info(python), "workloads": {}, "errors": []}
    started = time.monotonic()
    timed = [w for w in workloads if w != SCALE]
    samples: dict[str, dict[str, list[dict[str, Any] | None]]] = {
        w: {v: [] for v in VARIANTS} for w in timed
    }
    divisor = QUICK_DIVISOR if mode == "quick" else 1
    for rep in range(repeat):
        order = VARIANTS[rep % len(VARIANTS) :] + VARIANTS[: rep % len(VARIANTS)]
        _progress(
            f"[{run['version']}] round {rep + 1}/{repeat} ({time.monotonic() - started:.0f} s)"
        )
        for name in timed:
            wl = WORKLOADS[name]
            for variant in order:
                n = max(1, wl.size // divisor // (wl.debug_divisor if variant == "debug" else 1))
                args = ["timed", name, variant, str(n), str(ROUNDS[mode]), str(TIME_BUDGET[mode])]
                try:
                    result: dict[str, Any] | None = _worker(python, args, variant, TIMED_TIMEOUT)
                except WorkerError as exc:
                    run["errors"].append(str(exc))
                    _progress(f"  FAILED {exc}")
                    result = None
                samples[name][variant].append(result)
    for name in timed:
        run["workloads"][name] = _summarize(name, samples[name])
    if SCALE in workloads:
        run["scale"] = _bench_scale(python, run, mode, max(1, (repeat + 1) // 3), tasks)
    run["seconds"] = time.monotonic() - started
    return run


def _summarize(name: str, by_variant: dict[str, list[dict[str, Any] | None]]) -> dict[str, Any]:
    """Minimum per variant, ratio to plain's minimum, and the range of the ratios of the
    processes run in the same round (that is the noise)."""
    plain = by_variant["plain"]
    plain_ok = [r["ns_per_op"] for r in plain if r]
    variants: dict[str, Any] = {}
    for variant, results in by_variant.items():
        values = [r["ns_per_op"] for r in results if r]
        entry: dict[str, Any] = {
            "ns_per_op": min(values) if values else None,
            "max_ns_per_op": max(values) if values else None,
            "samples": values,
            "ops": [r["ops"] for r in results if r],
            "rounds_per_process": [len(r["rounds"]) for r in results if r],
            "findings": sum(r["findings"] or 0 for r in results if r),
        }
        if values and plain_ok:
            pairs = [
                r["ns_per_op"] / p["ns_per_op"]
                for r, p in zip(results, plain, strict=True)
                if r and p
            ]
            entry["ratio"] = min(values) / min(plain_ok)
            entry["ratio_range"] = [min(pairs), max(pairs)] if pairs else None
        variants[variant] = entry
    return {"unit": WORKLOADS[name].unit, "variants": variants}


def _bench_scale(
    python: str, run: dict[str, Any], mode: str, repeat: int, tasks: int
) -> dict[str, Any]:
    objects = SCALE_OBJECTS[mode]
    results: dict[str, list[dict[str, Any]]] = {v: [] for v in SCALE_VARIANTS}
    for rep in range(repeat):
        _progress(f"[{run['version']}] {SCALE}: {tasks:,} tasks, round {rep + 1}/{repeat}")
        for variant in SCALE_VARIANTS:
            args = ["scale", variant, str(tasks), str(objects), str(SCALE_LONG_WAIT)]
            try:
                timeout = max(30.0, tasks / 10_000 * SCALE_TIMEOUT_PER_10K)
                results[variant].append(_worker(python, args, variant, timeout))
            except WorkerError as exc:
                run["errors"].append(str(exc))
                _progress(f"  FAILED {exc}")
                if exc.partial is not None:
                    results[variant].append(exc.partial)
    out: dict[str, Any] = {"tasks": tasks, "objects": objects, "variants": {}}
    for variant, rs in results.items():
        entry: dict[str, Any] = {"raw": rs}
        for key in ("setup_s", "bytes_per_lock", "bytes_per_task"):
            values = [r[key] for r in rs]
            entry[key] = [min(values), max(values)] if values else None
        for key in ("lock_cycle_ms", "await_cycle_ms"):
            # The first cycle of a process, and the later ones (which may find state
            # the first one built): min-max of each over the processes.
            first = [r[key][0] for r in rs if r.get(key)]
            later = [v for r in rs for v in r.get(key, [])[1:]]
            entry[key] = [min(first), max(first)] if first else None
            entry[key + "_later"] = [min(later), max(later)] if later else None
        out["variants"][variant] = entry
    return out


# -- output --------------------------------------------------------------------------------


def _ns(value: float) -> str:
    if value >= 1e6:
        return f"{value / 1e6:.2f} ms"
    if value >= 1e4:
        return f"{value / 1e3:.1f} µs"
    return f"{value:.0f} ns"


def _ratio(entry: dict[str, Any]) -> str:
    if entry.get("ratio") is None:
        return "failed"
    lo_hi = entry.get("ratio_range")
    spread = f" ({lo_hi[0]:.2f}-{lo_hi[1]:.2f})" if lo_hi and len(entry["samples"]) > 1 else ""
    return f"{entry['ratio']:.2f}x{spread}"


def print_run(run: dict[str, Any], repeat: int, mode: str) -> None:
    print(
        f"\nCPython {run['version']} ({run['python']}): {mode} run, min of {repeat} fresh "
        f"processes (each the best of up to {ROUNDS[mode]} rounds), {run['seconds']:.0f} s; "
        f"aiodeadlock: {run.get('build', 'build not recorded')}"
    )
    print(
        "time per operation plain (plain's min-max spread); ratios to plain's min "
        "(min-max of the same-round ratios)"
    )
    header = f"{'workload':<17}{'op':<10}{'plain':>10} {'spread':>7}  "
    header += "  ".join(f"{v:<22}" for v in VARIANTS[1:])
    print(header)
    for name, wl in run["workloads"].items():
        plain = wl["variants"]["plain"]
        if plain["ns_per_op"] is None:
            print(f"{name:<17}{wl['unit']:<10}{'failed':>10}")
            continue
        spread = plain["max_ns_per_op"] / plain["ns_per_op"] - 1
        cells = "  ".join(f"{_ratio(wl['variants'][v]):<22}" for v in VARIANTS[1:])
        print(f"{name:<17}{wl['unit']:<10}{_ns(plain['ns_per_op']):>10} {spread:>6.0%}  {cells}")
        if name == "streams_server":
            rps = ", ".join(
                f"{v} {1e9 / e['ns_per_op']:,.0f}"
                for v, e in wl["variants"].items()
                if e["ns_per_op"]
            )
            print(f"{'':<17}requests/s: {rps}")
        found = {v: e["findings"] for v, e in wl["variants"].items() if e["findings"]}
        if found:
            print(f"{'':<17}WARNING: findings reported: {found}")
    if "scale" in run:
        print_scale(run["scale"])
    for error in run["errors"]:
        print(f"ERROR: {error}")


def print_scale(scale: dict[str, Any]) -> None:
    variants = scale["variants"]
    print(
        f"{SCALE}: {scale['tasks']:,} tasks blocked on an Event (min-max over processes); "
        f"memory: traced bytes per object over {scale['objects']:,} objects"
    )
    print(f"  {'':<42}" + "".join(f"{v:<22}" for v in variants))

    def row(label: str, key: str, fmt: str) -> None:
        cells = []
        for entry in variants.values():
            lo_hi = entry.get(key)
            if lo_hi is None:
                cells.append("-")
            else:
                lo, hi = f"{lo_hi[0]:{fmt}}", f"{lo_hi[1]:{fmt}}"
                cells.append(lo if lo == hi else f"{lo}-{hi}")
        print(f"  {label:<42}" + "".join(f"{c:<22}" for c in cells))

    row("create them, s", "setup_s", ".2f")
    row("lock cycle closed -> DeadlockError, ms", "lock_cycle_ms", ".1f")
    row("  the same, 2nd and 3rd cycle", "lock_cycle_ms_later", ".1f")
    row("await cycle closed -> DeadlockError, ms", "await_cycle_ms", ".1f")
    row("bytes per lock (created, taken once)", "bytes_per_lock", ".0f")
    row("bytes per task (holding a lock)", "bytes_per_task", ".0f")


def print_summary(report: dict[str, Any]) -> None:
    """One markdown table: a row per workload, a column per interpreter."""
    runs = report["runs"]
    names = list(dict.fromkeys(n for r in runs for n in r["workloads"]))
    print("\nSummary: plain time per operation; x default / x all / x debug (ratios to plain)\n")
    print("| workload | " + " | ".join(f"CPython {r['version']}" for r in runs) + " |")
    print("|---|" + "---|" * len(runs))
    for name in names:
        cells = []
        for r in runs:
            wl = r["workloads"].get(name)
            plain = wl["variants"]["plain"]["ns_per_op"] if wl else None
            if wl is None or plain is None:
                cells.append("-")
                continue
            ratios = [wl["variants"][v].get("ratio") for v in VARIANTS[1:]]
            text = " / ".join("-" if x is None else f"{x:.2f}" for x in ratios)
            cells.append(f"{_ns(plain)}; {text}")
        unit = next(r["workloads"][name]["unit"] for r in runs if name in r["workloads"])
        print(f"| {name} (per {unit}) | " + " | ".join(cells) + " |")
    scaled = [r for r in runs if "scale" in r]
    if scaled:
        rows = [
            ("lock cycle -> error, ms (default / all)", "lock_cycle_ms", ("default", "all")),
            ("await cycle -> error, ms (default / all)", "await_cycle_ms", ("default", "all")),
            ("bytes per lock (plain / default)", "bytes_per_lock", ("plain", "default")),
            ("bytes per task (plain / default)", "bytes_per_task", ("plain", "default")),
        ]
        for label, key, pair in rows:
            cells = []
            for r in runs:
                vs = r.get("scale", {}).get("variants", {})
                got = [vs.get(v, {}).get(key) for v in pair]
                fmt = ".1f" if key.endswith("_ms") else ".0f"
                cells.append(" / ".join("-" if g is None else f"{g[0]:{fmt}}" for g in got))
            tasks = scaled[0]["scale"]["tasks"]
            where = f", {tasks:,} blocked tasks" if key.endswith("_ms") else ""
            print(f"| {label}{where} | " + " | ".join(cells) + " |")


def print_compare(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Ratio deltas (and plain's change) per interpreter version present in both."""
    print(
        f"\nCompared with {(old.get('git', {}).get('commit') or '?')[:12]} "
        f"({old.get('created', '?')}): ratio old -> new (delta); plain time change"
    )
    old_runs = {r["version"]: r for r in old.get("runs", [])}
    for run in new["runs"]:
        before = old_runs.get(run["version"])
        if before is None:
            print(f"CPython {run['version']}: not in the old results")
            continue
        print(f"CPython {run['version']}")
        for name, wl in run["workloads"].items():
            old_wl = before["workloads"].get(name)
            if old_wl is None:
                continue
            p_new = wl["variants"]["plain"]["ns_per_op"]
            p_old = old_wl["variants"]["plain"]["ns_per_op"]
            plain = f"plain {p_new / p_old - 1:+.0%}" if p_new and p_old else "plain ?"
            cells = []
            for v in VARIANTS[1:]:
                r_new = wl["variants"].get(v, {}).get("ratio")
                r_old = old_wl["variants"].get(v, {}).get("ratio")
                if r_new is None or r_old is None:
                    cells.append(f"{v} ?")
                else:
                    cells.append(f"{v} {r_old:.2f}->{r_new:.2f} ({r_new - r_old:+.2f})")
            print(f"  {name:<17}{plain:<12}" + "  ".join(f"{c:<28}" for c in cells))
        if "scale" in run and "scale" in before:
            for key in ("lock_cycle_ms", "await_cycle_ms", "bytes_per_lock", "bytes_per_task"):
                cells = []
                for v in SCALE_VARIANTS:
                    a = before["scale"]["variants"].get(v, {}).get(key)
                    b = run["scale"]["variants"].get(v, {}).get(key)
                    if a and b:
                        fmt = ".1f" if key.endswith("_ms") else ".0f"
                        change = f"{b[0] / a[0] - 1:+.0%}" if a[0] else "?"
                        cells.append(f"{v} {a[0]:{fmt}}->{b[0]:{fmt}} ({change})")
                if cells:
                    print(f"  {SCALE + ' ' + key:<29}" + "  ".join(cells))


# -- environment ---------------------------------------------------------------------------


def _git() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", "-C", str(REPO), *args], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None}
    status = git("status", "--porcelain", "--untracked-files=no", "--", "src")
    return {
        "commit": commit,
        "subject": git("log", "-1", "--format=%s"),
        "src_modified": bool(status),
    }


def _machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        info["cpu"] = platform.processor()
    if hasattr(os, "getloadavg"):
        info["loadavg_start"] = list(os.getloadavg())
    return info


#: The interpreters --all-pythons looks for.
MINORS = ("3.10", "3.11", "3.12", "3.13", "3.14", "3.15")


def all_pythons() -> list[str]:
    """The newest installed pyenv patch release of each of 3.10-3.15."""
    found = []
    for minor in MINORS:
        path = _pyenv_python(minor)
        if path:
            found.append(path)
    return found


def _pyenv_python(version: str) -> str | None:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    if (root / version / "bin" / "python3").exists():
        return str(root / version / "bin" / "python3")
    pattern = re.compile(rf"{re.escape(version)}\.\d+")
    matches = [p for p in root.glob(f"{version}.*") if pattern.fullmatch(p.name)]
    if not matches:
        return None
    best = max(matches, key=lambda p: int(p.name.rsplit(".", 1)[1]))
    return str(best / "bin" / "python3")


def _resolve_python(spec: str) -> str:
    """A path, or a version such as 3.12 / 3.12.1 installed under pyenv."""
    if re.fullmatch(r"\d+\.\d+(\.\d+)?", spec) and not Path(spec).exists():
        found = _pyenv_python(spec)
        if found is None:
            raise SystemExit(f"no pyenv interpreter for {spec}")
        return found
    return spec


# -- main ------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    names = [*WORKLOADS, SCALE]
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="workloads: " + ", ".join(names),
    )
    parser.add_argument("--quick", action="store_true", help="smaller workloads, 2 repeats")
    parser.add_argument("--repeat", type=int, help="fresh processes per figure (default 5)")
    parser.add_argument("--json", metavar="PATH", type=Path, help="write all figures as JSON")
    parser.add_argument("--compare", metavar="OLD", type=Path, help="print ratio deltas to OLD")
    parser.add_argument("--python", action="append", help="interpreter (path or pyenv version)")
    parser.add_argument("--all-pythons", action="store_true", help="every pyenv 3.10-3.15")
    parser.add_argument(
        "--src",
        type=Path,
        help="aiodeadlock source directory the workers import (default: this checkout's src; "
        "another checkout's src/ measures that version, e.g. for a before/after table)",
    )
    parser.add_argument("--workloads", help="comma-separated subset (default: all)")
    parser.add_argument("--tasks", type=int, help=f"blocked tasks in {SCALE} (default 100000)")
    args = parser.parse_args(argv)
    mode = "quick" if args.quick else "full"
    repeat = args.repeat or REPEAT[mode]
    workloads = names if not args.workloads else args.workloads.split(",")
    unknown = [w for w in workloads if w not in names]
    if unknown:
        parser.error(f"unknown workload(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    old = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    if args.src is not None:
        global SRC
        SRC = args.src.resolve()
        if not (SRC / "aiodeadlock" / "__init__.py").is_file():
            parser.error(f"--src {args.src}: no aiodeadlock package there")
    if args.python:
        pythons = [_resolve_python(p) for p in args.python]
    elif args.all_pythons:
        pythons = all_pythons()
    else:
        pythons = [sys.executable]
    install = {**INSTALL}
    install["all (in blocked_tasks)"] = {**INSTALL["all"], "long_wait": SCALE_LONG_WAIT}
    report: dict[str, Any] = {
        "schema": SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git": _git(),
        "src": str(SRC),
        "machine": _machine(),
        "settings": {
            "mode": mode,
            "repeat": repeat,
            "rounds_per_process": ROUNDS[mode],
            "time_budget_per_process_s": TIME_BUDGET[mode],
            "sizes": {
                n: {"ops": w.size // (QUICK_DIVISOR if args.quick else 1), "debug": w.debug_divisor}
                for n, w in WORKLOADS.items()
            },
            "install": install,
            "debug": "PYTHONASYNCIODEBUG=1, no aiodeadlock",
        },
        "runs": [],
    }
    tasks = args.tasks or SCALE_TASKS[mode]
    for python in pythons:
        run = bench_python(python, workloads, mode, repeat, tasks)
        print_run(run, repeat, mode)
        report["runs"].append(run)
        sys.stdout.flush()
    if hasattr(os, "getloadavg"):
        report["machine"]["loadavg_end"] = list(os.getloadavg())
    if len(report["runs"]) > 1:
        print_summary(report)
    if old is not None:
        print_compare(old, report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    failed = any(r["errors"] for r in report["runs"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
