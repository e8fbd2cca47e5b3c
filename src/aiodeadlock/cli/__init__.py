"""Command-line interface: `aiodeadlock run` and `aiodeadlock check`."""
