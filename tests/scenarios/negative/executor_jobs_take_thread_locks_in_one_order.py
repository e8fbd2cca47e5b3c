# expect: none
# Two executor jobs take two threading locks in the same order: the second waits until the
# first is done with both (longer than the loop-blocked threshold), then goes on.
import asyncio
import threading
import time

accounts = threading.Lock()
audit = threading.Lock()
first_holds = threading.Event()


def transfer():
    with accounts:
        first_holds.set()
        with audit:
            time.sleep(1.3)
            return "transferred"


def report():
    first_holds.wait()
    with accounts:  # waits for transfer()
        with audit:
            return "reported"


async def main():
    print(await asyncio.gather(asyncio.to_thread(transfer), asyncio.to_thread(report)))


asyncio.run(main())
