# expect: none
# anyio on uvloop: to_thread jobs through a CapacityLimiter, one lasting 1.2 s, and a
# memory object stream closed properly.
import time

import anyio
import anyio.to_thread


async def main():
    limiter = anyio.CapacityLimiter(1)
    send, receive = anyio.create_memory_object_stream[int](1)

    async def produce():
        async with send:
            for seconds in (1.2, 0.05):
                await send.send(await anyio.to_thread.run_sync(time.sleep, seconds, limiter=limiter) or 1)

    got = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(produce)
        async with receive:
            async for item in receive:
                got.append(item)
    print(got)


anyio.run(main, backend_options={"use_uvloop": True})
