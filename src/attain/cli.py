"""The ``attain`` console script: one front door to Attain's commands.

Every subcommand is a Django management command living in the app it belongs to (``demo`` and ``serve`` in
core, ``org`` in org …), each a thin wrapper over services; ``attain help`` lists them all. The database
is whatever ``DATABASE_URL`` says (SQLite under ``var/`` when unset).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run an Attain command, e.g. ``attain demo --size small`` or ``attain org export org.xlsx``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings.base")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["attain", *args])


if __name__ == "__main__":
    main()
