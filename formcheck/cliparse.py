"""Command-line parsing that answers a mistake with one sentence, not a usage dump."""

from __future__ import annotations

import argparse
import re
import sys
from typing import NoReturn

from formcheck.errors import ExitCode, printable


class Parser(argparse.ArgumentParser):
    """An ``argparse`` parser (and its subcommands') whose errors are one sentence and a pointer
    to ``--help``, exit code 2."""

    def error(self, message: str) -> NoReturn:
        own = re.match(r"argument [^:]+: ([A-Z].*)", message)  # a sentence of formcheck's own
        if own:
            text = own.group(1)
        else:
            text = message[:1].upper() + message[1:]
            text += ("" if text.endswith((".", "?")) else ".") + f" '{self.prog} --help' shows the options."
        sys.stderr.write(printable(f"{self.prog}: {text}") + "\n")
        sys.exit(int(ExitCode.USAGE))


def exercise_arg(text: str) -> str:
    """``--exercise``'s type: an exercise's name or title (see ``exercise_name``)."""
    from formcheck.definitions import exercise_name

    try:
        return exercise_name(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
