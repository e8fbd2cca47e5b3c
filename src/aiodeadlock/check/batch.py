"""Pass 1 over many files: shared between the main process and worker processes."""

from __future__ import annotations

import gc
import importlib.util
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import NamedTuple

from aiodeadlock.check.analyze import analyze_imports, analyze_source
from aiodeadlock.check.rules import Rule, all_rules
from aiodeadlock.check.summary import Candidate, Loc, ModuleSummary, empty_module

#: Below this many files, starting a worker process costs more than it saves.
PARALLEL_MIN = 64


class Job(NamedTuple):
    """One file for pass 1; `full` False: only its imports are needed (a package's
    `__init__.py` without anything to analyse, kept for re-exports)."""

    data: bytes
    display: str
    module: str
    is_package: bool
    full: bool


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: summaries and syntax trees have no cycles, and
    collecting while millions of them are alive costs a third of the run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _balanced(jobs: Sequence[Job], parts: int) -> list[list[int]]:
    """Job indices split into `parts` lists of about equal size in bytes (largest first)."""
    loads = [0] * parts
    out: list[list[int]] = [[] for _ in range(parts)]
    for i in sorted(range(len(jobs)), key=lambda i: -len(jobs[i].data)):
        k = loads.index(min(loads))
        out[k].append(i)
        loads[k] += len(jobs[i].data) + 2000
    return out


def analyse_all(
    jobs: list[Job], constructors: dict[str, str], errors: list[str]
) -> list[ModuleSummary | None]:
    """Run pass 1 on `jobs`; with many, worker processes take a share besides this one."""
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_MIN or workers < 2:
        with paused_gc():
            summaries, errs = analyse_chunk(jobs, constructors)
        errors.extend(errs)
        return summaries
    parts = _balanced(jobs, workers)
    out: list[ModuleSummary | None] = [None] * len(jobs)
    try:
        with ProcessPoolExecutor(max_workers=workers - 1) as pool:
            futures = [
                pool.submit(analyse_chunk, [jobs[i] for i in part], constructors)
                for part in parts[1:]
            ]
            with paused_gc():
                mine, errs = analyse_chunk([jobs[i] for i in parts[0]], constructors)
                results = [(parts[0], mine, errs)]
                results += [(part, *f.result()) for part, f in zip(parts[1:], futures, strict=True)]
    except Exception:  # no worker processes here (or they died): do it all in this one
        with paused_gc():
            summaries, errs = analyse_chunk(jobs, constructors)
        errors.extend(errs)
        return summaries
    for part, summaries, errs in results:
        for i, summary in zip(part, summaries, strict=True):
            out[i] = summary
        errors.extend(errs)
    return out


def analyse_chunk(
    jobs: Sequence[Job], constructors: dict[str, str]
) -> tuple[list[ModuleSummary | None], list[str]]:
    """Pass 1 for some files (in any process); their summaries and internal errors."""
    rules = all_rules()
    errors: list[str] = []
    with paused_gc():
        out = [_analyse(job, rules, constructors, errors) for job in jobs]
    return out, errors


def _analyse(
    job: Job, rules: Sequence[Rule], constructors: dict[str, str], errors: list[str]
) -> ModuleSummary | None:
    try:
        source = importlib.util.decode_source(job.data)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        error = Candidate(
            "DL200", Loc(job.display, 1, 1), f"cannot decode: {exc}", None, "", (), ""
        )
        return empty_module(job.display, job.module, error=error)
    try:
        if not job.full:
            return analyze_imports(source, job.display, job.module)
        return analyze_source(source, job.display, job.module, job.is_package, rules, constructors)
    except RecursionError:
        errors.append(f"{job.display}: nesting too deep to analyse; skipped")
    except Exception as exc:  # a bug must not hide the other files' findings
        errors.append(f"{job.display}: {type(exc).__name__}: {exc}; skipped")
    return None
