# expect: wait-cycle lines=9,15
# timeout: 5
# main() starts a watcher that awaits main's own task, then awaits the watcher.
import asyncio


async def watch(main_task):
    print("watching", main_task.get_name())
    await main_task


async def main():
    me = asyncio.current_task()
    watcher = asyncio.create_task(watch(me))
    await watcher


asyncio.run(main())
