# expect: stall lines=26
# Two consumers are cancelled while items are still queued, after main started waiting
# in join(): no one will ever call task_done() for them. Plain python hangs.
import asyncio


async def consumer(queue):
    while True:
        await queue.get()
        await asyncio.sleep(0.01)  # the work; a cancel lands here, its timer stays behind
        queue.task_done()


async def main():
    queue = asyncio.Queue()
    for item in range(5):
        queue.put_nowait(item)
    workers = [asyncio.create_task(consumer(queue)) for _ in range(2)]

    async def shutdown_too_early():
        await asyncio.sleep(0.02)
        for worker in workers:
            worker.cancel()

    asyncio.create_task(shutdown_too_early())
    await queue.join()  # 3 items are never done
    print("joined")

asyncio.run(main())
