# expect: wait-cycle lines=16,20
# args: --grace 0.2
# Two tasks close an await cycle while an unrelated worker thread is still running, so
# the loop is not stalled yet when it goes idle. The thread ends without waking the loop;
# the cycle must then be reported as a cycle (not as a stall).
import asyncio
import threading
import time


def worker():
    time.sleep(0.5)


async def first():
    await second_task


async def second():
    await asyncio.shield(first_task)


async def main():
    global first_task, second_task
    threading.Thread(target=worker).start()
    first_task = asyncio.create_task(first())
    second_task = asyncio.create_task(second())
    await asyncio.gather(first_task, second_task)


asyncio.run(main())
