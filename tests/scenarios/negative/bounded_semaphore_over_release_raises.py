# expect: none
# Releasing a BoundedSemaphore too often still raises ValueError; a Lock released while
# unlocked still raises RuntimeError.
import asyncio


async def main():
    sem = asyncio.BoundedSemaphore(1)
    async with sem:
        pass
    try:
        sem.release()
    except ValueError as exc:
        print("ValueError:", exc)
    lock = asyncio.Lock()
    try:
        lock.release()
    except RuntimeError as exc:
        print("RuntimeError:", exc)
    print(sem.locked(), lock.locked())


asyncio.run(main())
