"""The files a user names on the command line: files as given, folders searched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from formcheck.errors import MissingInputError


def expand_paths(inputs: list[str], find: Callable[[Path], list[Path]], what: str) -> list[Path]:
    """Files as given, and for each folder the files ``find`` picks in it (``what`` names them).

    Raises:
        MissingInputError: a path that does not exist, or a folder with none of those files.
    """
    files: list[Path] = []
    for raw in inputs:
        p = Path(raw)
        if p.is_dir():
            found = find(p)
            if not found:
                raise MissingInputError(f"No {what} in folder {p}.")
            files += found
        elif p.exists():
            files.append(p)
        else:
            raise MissingInputError(f"No such file or folder: {p}.")
    return files
