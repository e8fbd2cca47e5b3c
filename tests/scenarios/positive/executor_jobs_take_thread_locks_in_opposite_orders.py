# expect: wait-cycle lines=13,15,20,22
# Two executor jobs take two threading locks in opposite orders; each gets its first lock
# and waits for the other's: the loop awaits both jobs forever.
import asyncio
import threading

accounts = threading.Lock()
audit = threading.Lock()
both_hold_one = threading.Barrier(2)


def transfer():
    with accounts:
        both_hold_one.wait()
        with audit:  # held by report()
            return "transferred"


def report():
    with audit:
        both_hold_one.wait()
        with accounts:  # held by transfer()
            return "reported"


async def main():
    print(await asyncio.gather(asyncio.to_thread(transfer), asyncio.to_thread(report)))


asyncio.run(main())
