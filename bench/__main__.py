"""`python -m bench --size N [--only NAME ...]`: run the benchmarks (not tests)."""

import argparse
import importlib
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuzhu.settings")
os.environ.setdefault("JIUZHU_DEBUG", "1")
# Benchmarks that use the in-process database get their own, never the dev county's.
os.environ.setdefault(
    "JIUZHU_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "bench")
)


def main() -> None:
    parser = argparse.ArgumentParser(description="Jiuzhu benchmarks")
    parser.add_argument("--size", type=int, default=100_000, help="households")
    parser.add_argument("--only", nargs="*", default=None, help="benchmark names to run")
    args = parser.parse_args()
    here = Path(__file__).resolve().parent
    for module in pkgutil.iter_modules([str(here)]):
        if module.name.startswith("bench_"):
            importlib.import_module(f"bench.{module.name}")
    from bench.common import BENCHMARKS

    chosen = [name for name in sorted(BENCHMARKS) if args.only is None or name in args.only]
    if len(chosen) == 1:
        BENCHMARKS[chosen[0]](args.size)
        return
    # Each in a process of its own: a benchmark sets up Django for the database it made
    # (settings are read once per process), and its peak memory is then its own.
    failed = []
    for name in chosen:
        command = [sys.executable, "-m", "bench", "--size", str(args.size), "--only", name]
        if subprocess.run(command, check=False).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
