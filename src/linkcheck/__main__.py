"""`python -m linkcheck` and the `linkcheck` command.

For `linkcheck run`, the worker processes that check remote links are forked first, before the
rest of the package is imported (check/remote/prefork.py): they import the HTTP stack on other
cores while this process imports the rest, reads its configuration and finds its files.
"""

from __future__ import annotations

import sys


def console() -> None:
    from .check.remote import prefork

    prefork.on_start(sys.argv[1:])
    from .cli import console as command

    command()


if __name__ == "__main__":
    console()
