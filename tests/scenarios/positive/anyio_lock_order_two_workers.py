# expect: wait-cycle lines=7,9
# Two anyio task-group workers take two anyio locks in opposite orders.
import anyio


async def transfer(name, first, second):
    async with first:  # holds one lock
        await anyio.sleep(0.1)
        async with second:  # waits for the other worker's lock
            print(name, "moved the money")


async def main():
    accounts, ledger = anyio.Lock(), anyio.Lock()
    async with anyio.create_task_group() as tg:
        tg.start_soon(transfer, "deposit", accounts, ledger)
        tg.start_soon(transfer, "refund", ledger, accounts)


anyio.run(main)
