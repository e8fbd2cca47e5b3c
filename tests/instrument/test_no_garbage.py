"""A program that counts its garbage (gc.DEBUG_SAVEALL) finds none of ours, in every mode.

The watchdog samples every thread's frames and the stall check looks at other threads'
frames: `sys._current_frames()` returns a dict that holds the caller's own frame, whose
local holds the dict, so each look would leave a reference cycle; a leak test of the
program under the tool would then fail. The program runs once before it counts: a module
imported on first use, by the program or by us, can leave one-off garbage of its own
(the class that a slotted dataclass replaces, operator's pure-Python classes), also under
plain python, so what is counted is garbage of ours: frames, and our objects.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TIMEOUT = 60.0

PROGRAM = """
import asyncio, gc, threading, time


async def main():
    lock, ready = asyncio.Lock(), asyncio.Event()
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)  # a live thread: the stall check looks at it
    worker.start()

    async def waiter():
        async with lock:
            await ready.wait()  # long enough for long-wait scans and stall checks

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0.3)
    ready.set()
    await task
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, time.sleep, 0.3)  # the watchdog ticks meanwhile
    stop.set()
    worker.join()


asyncio.run(main())  # once first: modules imported on first use leave one-off garbage
gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
gc.garbage.clear()
asyncio.run(main())
gc.collect()

def ours(obj):
    # garbage made by the detector: frames (a cycle through a running frame), and
    # objects, functions and cells of aiodeadlock's modules
    if type(obj).__name__ == "frame":
        return True
    if type(obj).__name__ == "cell":
        try:
            obj = obj.cell_contents
        except ValueError:
            return False
    module = getattr(obj, "__module__", None) or type(obj).__module__
    return isinstance(module, str) and module.startswith("aiodeadlock")


print(sorted({repr(o)[:80] for o in gc.garbage if ours(o)}))
"""

OPTIONS = ["--loop-blocked", "0.05", "--long-wait", "0.1"]
API = (
    "import aiodeadlock, runpy; "
    "aiodeadlock.install(on_deadlock='report', output='-', watchdog=0.05, long_wait=0.1); "
    "runpy.run_path('prog.py', run_name='__main__')"
)
MODES = {
    "plain": ([sys.executable, "prog.py"], {}),
    "run": ([sys.executable, "-m", "aiodeadlock", "run", *OPTIONS, "prog.py"], {}),
    "api": ([sys.executable, "-c", API], {}),
    "production": (
        [sys.executable, "-c", "import aiodeadlock.startup, runpy; runpy.run_path('prog.py')"],
        {"AIODEADLOCK": "log", "AIODEADLOCK_OPTIONS": " ".join(OPTIONS)},
    ),
}


@pytest.mark.parametrize("mode", sorted(MODES))
def test_no_garbage_left_for_the_program(tmp_path: Path, mode: str) -> None:
    (tmp_path / "prog.py").write_text(PROGRAM, encoding="utf-8")
    cmd, extra = MODES[mode]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIODEADLOCK")}
    env.update(extra)
    proc = subprocess.run(
        cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "[]\n", proc.stderr
