"""`python -m aiodeadlock`: the same program as the `aiodeadlock` command."""

from aiodeadlock.cli.main import console_main

if __name__ == "__main__":
    console_main()
