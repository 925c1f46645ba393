"""Small helpers for files on disk, shared by imports, payment files and backups."""

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """The file's SHA-256 as hex, read in blocks (files of gigabytes stay out of memory)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
