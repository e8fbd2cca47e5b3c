# expect: wait-cycle lines=12,18
# requires: 3.11
# timeout: 8
# asyncio.run(..., loop_factory=uvloop.new_event_loop): the parent holds a lock around a
# TaskGroup whose child needs that lock.
import asyncio

import uvloop


async def child(lock):
    async with lock:  # held by the parent
        print("never")


async def main():
    lock = asyncio.Lock()
    async with lock:  # the parent holds it
        async with asyncio.TaskGroup() as tg:
            tg.create_task(child(lock))


asyncio.Runner(loop_factory=uvloop.new_event_loop).run(main())
