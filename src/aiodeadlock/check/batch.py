"""Pass 1 over many files: shared between the main process and worker processes."""

from __future__ import annotations

import gc
import importlib.util
import os
import pickle
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


def _chunks(jobs: Sequence[Job], count: int) -> list[list[int]]:
    """Job indices in about `count` chunks of similar size in bytes, largest jobs first."""
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].data))
    target = sum(len(j.data) for j in jobs) / count + 1
    out: list[list[int]] = [[]]
    size = 0
    for i in order:
        if size >= target:
            out.append([])
            size = 0
        out[-1].append(i)
        size += len(jobs[i].data) + 2000
    return out


def analyse_all(
    jobs: list[Job], constructors: dict[str, str], errors: list[str]
) -> list[ModuleSummary | None]:
    """Run pass 1 on `jobs`; with many, worker processes take a share besides this one.

    The work is cut into chunks, largest first, all queued for the workers; this process
    takes chunks from the small end for as long as no worker has started them.
    """
    workers = min(os.cpu_count() or 1, 8)
    if len(jobs) < PARALLEL_MIN or workers < 2:
        summaries, errs = analyse_chunk(jobs, constructors)
        errors.extend(errs)
        return summaries
    chunks = _chunks(jobs, 8 * workers)
    out: list[ModuleSummary | None] = [None] * len(jobs)
    done: list[tuple[list[int], list[ModuleSummary | None], list[str]]] = []
    try:
        with ProcessPoolExecutor(max_workers=workers - 1) as pool:
            futures = [
                pool.submit(_analyse_pickled, [jobs[i] for i in chunk], constructors)
                for chunk in chunks
            ]
            for chunk, future in zip(reversed(chunks), reversed(futures), strict=True):
                if not future.cancel():
                    break
                done.append((chunk, *analyse_chunk([jobs[i] for i in chunk], constructors)))
            for chunk, future in zip(chunks, futures, strict=True):
                if not future.cancelled():
                    with paused_gc():
                        done.append((chunk, *pickle.loads(future.result())))
    except Exception:  # no worker processes here (or they died): do it all in this one
        summaries, errs = analyse_chunk(jobs, constructors)
        errors.extend(errs)
        return summaries
    for chunk, summaries, errs in done:
        for i, summary in zip(chunk, summaries, strict=True):
            out[i] = summary
        errors.extend(errs)
    return out


def _analyse_pickled(jobs: Sequence[Job], constructors: dict[str, str]) -> bytes:
    """analyse_chunk() in a worker process, its result pickled while the GC is paused (the
    executor would pickle it with the GC running, at twice the cost)."""
    result = analyse_chunk(jobs, constructors)
    with paused_gc():
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


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
