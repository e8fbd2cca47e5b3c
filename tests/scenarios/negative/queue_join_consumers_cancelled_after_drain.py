# expect: none
# The twin: consumers are cancelled only after join() returned. Completes.
import asyncio


async def consumer(queue):
    while True:
        await queue.get()
        await asyncio.sleep(0.01)
        queue.task_done()


async def main():
    queue = asyncio.Queue()
    for item in range(5):
        queue.put_nowait(item)
    workers = [asyncio.create_task(consumer(queue)) for _ in range(2)]
    await queue.join()
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    print("joined")

asyncio.run(main())
