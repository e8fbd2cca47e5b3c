# expect: none
# requires: 3.11
# potential: lock-order lines=10,12,17,21
# Two tasks take two locks in opposite orders; one waits under asyncio.timeout() and backs off.
# No deadlock happens, but the inversion is real: a lock-order (DL104) hazard may be reported.
import asyncio


async def patient(a, b):
    async with a:
        await asyncio.sleep(0.1)
        async with b:
            print("patient has both")


async def impatient(a, b):
    async with b:
        await asyncio.sleep(0.1)
        try:
            async with asyncio.timeout(0.2):
                await a.acquire()
        except TimeoutError:
            print("impatient backs off")
            return
        a.release()


async def main():
    a, b = asyncio.Lock(), asyncio.Lock()
    await asyncio.gather(patient(a, b), impatient(a, b))


asyncio.run(main())
