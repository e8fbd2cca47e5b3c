"""The startup hook's module: importing it starts production mode from the environment.

`aiodeadlock-startup.pth`, installed beside the package, imports it at interpreter start
only when AIODEADLOCK is set, so a process without the variable pays for one lookup.
"""

from aiodeadlock.production import start

STARTED = start()
