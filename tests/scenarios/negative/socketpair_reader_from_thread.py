# expect: none
# The loop waits on a socket that a thread writes to after 1.2 s.
import asyncio
import socket
import threading
import time


async def main():
    loop = asyncio.get_running_loop()
    a, b = socket.socketpair()
    a.setblocking(False)

    def writer():
        time.sleep(1.2)
        b.sendall(b"ping")

    threading.Thread(target=writer).start()
    print(await loop.sock_recv(a, 4))
    a.close()
    b.close()


asyncio.run(main())
