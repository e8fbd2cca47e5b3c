# expect: wait-cycle lines=20,22,27,29
# Task 'c' asks for lock l1 at the moment it is free but already promised to the woken
# waiter 'b', so 'c' queues behind 'b' without the lock being held by anyone. 'b' then
# takes l1 and asks for l2, which 'c' holds: a cycle through a lock that was free when
# 'c' started to wait.
import asyncio

l1 = l2 = None
go = None


async def a():
    async with l1:
        await asyncio.sleep(0.05)  # 'b' queues on l1 meanwhile
        go.set()  # wakes 'c' first ...
    # ... and leaving the block wakes 'b'


async def b():
    async with l1:
        await asyncio.sleep(0)
        async with l2:
            print("never")


async def c():
    async with l2:
        await go.wait()
        async with l1:
            print("never")


async def main():
    global l1, l2, go
    l1, l2, go = asyncio.Lock(), asyncio.Lock(), asyncio.Event()
    ta = asyncio.create_task(a(), name="a")
    await asyncio.sleep(0.01)
    tb = asyncio.create_task(b(), name="b")
    tc = asyncio.create_task(c(), name="c")
    await asyncio.gather(ta, tb, tc)


asyncio.run(main())
