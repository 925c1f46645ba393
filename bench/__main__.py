"""`python -m bench --size N [--only NAME ...]`: run the benchmarks (not tests)."""

import argparse
import importlib
import os
import pkgutil
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

    for name, run in sorted(BENCHMARKS.items()):
        if args.only is None or name in args.only:
            run(args.size)


if __name__ == "__main__":
    main()
