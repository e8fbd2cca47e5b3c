# expect: none
# A connection lock is taken by the request task and released by the response task.
import asyncio


async def send_request(lock, sent):
    await lock.acquire()
    print("request sent")
    sent.set()


async def read_response(lock, sent):
    await sent.wait()
    await asyncio.sleep(0.01)
    print("response read")
    lock.release()


async def main():
    lock = asyncio.Lock()
    for _ in range(3):
        sent = asyncio.Event()
        await asyncio.create_task(send_request(lock, sent))  # ends holding the lock
        reader = asyncio.create_task(read_response(lock, sent))
        async with lock:  # released by the reader, not the dead sender
            print("next round")
        await reader


asyncio.run(main())
