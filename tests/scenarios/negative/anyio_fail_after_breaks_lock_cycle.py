# expect: none
# potential: lock-order lines=9,11,16,20
# Two tasks take two anyio locks in opposite orders; one waits under anyio.fail_after()
# and backs off when the deadline passes. The inversion is real (a lock-order hazard).
import anyio


async def patient(a, b):
    async with a:
        await anyio.sleep(0.1)
        async with b:
            print("patient has both")


async def impatient(a, b):
    async with b:
        await anyio.sleep(0.1)
        try:
            with anyio.fail_after(0.3):
                await a.acquire()
        except TimeoutError:
            print("impatient backs off")
            return
        a.release()


async def main():
    a, b = anyio.Lock(), anyio.Lock()
    async with anyio.create_task_group() as tg:
        tg.start_soon(patient, a, b)
        tg.start_soon(impatient, a, b)


anyio.run(main)
