# expect: none
# requires: 3.12
# The server's only client is another process: it connects, stays 1.3 s, sends a line and
# leaves. Main waits in `server.wait_closed()` meanwhile with nothing else to do: the
# connection comes from outside the program, so that is no deadlock.
import asyncio
import subprocess
import sys

CLIENT = """
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(1.3)
s.sendall(b"bye")
s.close()
"""

connected = asyncio.Event()


async def handle(reader, writer):
    connected.set()
    data = await reader.read()  # until the other process closes
    writer.close()
    print("server got", data.decode())


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    child = subprocess.Popen([sys.executable, "-c", CLIENT, str(port)])
    await connected.wait()
    server.close()
    await server.wait_closed()  # until the other process has left
    print("closed, child exited", child.wait(timeout=10))


asyncio.run(main())
