# expect: wait-cycle lines=23,32
# Connections are handed out by a queue.Queue: one job takes the only connection and waits
# for a job it submits to the same pool; the pool's other worker waits in get() for a
# connection, so the submitted job never gets a worker.
import asyncio
import concurrent.futures
import queue
import threading

pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="worker")
connections = queue.Queue()
connections.put("conn-1")  # a database pool of one connection
visiting = threading.Event()
holding = threading.Event()  # ann's job has the connection


def price(user):
    return 42


def log_visit(user):
    visiting.set()
    conn = connections.get()  # waits for a connection
    connections.put(conn)
    return f"visit {user}"


def checkout(user):
    conn = connections.get()  # takes the only connection
    holding.set()
    visiting.wait()  # the other worker is busy now
    result = pool.submit(price, user).result()  # queued: no worker gets free
    connections.put(conn)
    return result


async def main():
    loop = asyncio.get_running_loop()
    first = loop.run_in_executor(pool, checkout, "ann")
    await asyncio.to_thread(holding.wait)  # ann's job has the connection
    second = loop.run_in_executor(pool, log_visit, "bob")
    print(await asyncio.gather(first, second))


asyncio.run(main())
