# expect: wait-cycle lines=12,14,18,20
# A connection gate (anyio.Semaphore of one) and a registry lock, taken in opposite orders.
import anyio


class Service:
    def __init__(self):
        self.gate = anyio.Semaphore(1)
        self.registry = anyio.Lock()

    async def connect(self):
        async with self.gate:  # the only permit
            await anyio.sleep(0.1)
            async with self.registry:  # waits for the registry
                print("connected")

    async def register(self):
        async with self.registry:  # the registry
            await anyio.sleep(0.1)
            async with self.gate:  # waits for the permit
                print("registered")


async def main():
    service = Service()
    async with anyio.create_task_group() as tg:
        tg.start_soon(service.connect)
        tg.start_soon(service.register)


anyio.run(main)
