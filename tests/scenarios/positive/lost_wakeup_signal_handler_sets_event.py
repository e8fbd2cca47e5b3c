# expect: stall lines=16,21
# at: 16
# A signal.signal handler sets an asyncio.Event: the task it wakes is put in the ready
# queue, but nothing wakes the loop, which sleeps in select() with no timeout. Plain
# python hangs. The fix: loop.add_signal_handler(signal.SIGUSR1, stop.set).
# timeout: 15
import asyncio
import os
import signal
import threading


async def main():
    stop = asyncio.Event()

    def on_signal(signum, frame):  # runs in the main thread, inside the loop's select()
        stop.set()  # schedules the waiting task's wake-up; nothing wakes the loop

    signal.signal(signal.SIGUSR1, on_signal)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1)).start()
    await stop.wait()  # the task that is never resumed
    print("stopped")

asyncio.run(main())
