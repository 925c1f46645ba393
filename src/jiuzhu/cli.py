"""The `jiuzhu` command: Django's management commands with the project's settings."""

import os
import sys

# Importing Django's command runner reads no settings (they load lazily on first use), so the
# settings module set in main() is in place before anything needs it.
from django.core.management import execute_from_command_line


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
    execute_from_command_line(["jiuzhu", *(sys.argv[1:] if argv is None else argv)])
