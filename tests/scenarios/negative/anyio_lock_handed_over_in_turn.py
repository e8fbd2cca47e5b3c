# expect: none
# A queue of tasks waits on one anyio.Lock; each release hands it to the next in line,
# including one that takes it with acquire() and gives it back in a finally block.
import anyio


async def turn(lock, n, order):
    async with lock:
        order.append(n)
        await anyio.sleep(0.01)


async def manual(lock, order):
    await lock.acquire()
    try:
        order.append("manual")
        await anyio.sleep(0.01)
    finally:
        lock.release()


async def main():
    lock = anyio.Lock()
    order = []
    async with anyio.create_task_group() as tg:
        for n in range(5):
            tg.start_soon(turn, lock, n, order)
        tg.start_soon(manual, lock, order)
        tg.start_soon(turn, lock, 9, order)
    print(len(order), lock.locked())


anyio.run(main)
