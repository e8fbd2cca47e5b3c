# expect: wait-cycle lines=10,12,19,21
# timeout: 6
# The server task hands the lock over to a client that queued for it, then wants it back
# before it answers the client's request future; the client awaits that answer holding it.
import asyncio


async def client(lock, answer):
    await asyncio.sleep(0.01)
    async with lock:  # queued here; takes it when the server lets go
        await asyncio.sleep(0.01)
        print(await answer)  # only the server would resolve it


async def server(lock, answer):
    await lock.acquire()
    task = asyncio.create_task(client(lock, answer))
    await asyncio.sleep(0.05)
    lock.release()  # hands the lock over to the client
    await asyncio.sleep(0)
    async with lock:  # wants it back first
        answer.set_result("pong")
    await task


async def main():
    await server(asyncio.Lock(), asyncio.get_running_loop().create_future())


asyncio.run(main())
