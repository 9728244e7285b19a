"""The session store (SQLite): see :mod:`formcheck.store.db`."""

from formcheck.store.db import Store, default_path

__all__ = ["Store", "default_path"]
