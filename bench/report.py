"""`python -m bench.report`: bench/results/latest.json as the Markdown table in README."""

import json

from bench.common import RESULTS


def main() -> None:
    entries = json.loads(RESULTS.read_text())
    print("| benchmark | size | seconds | per second | peak MiB | ratio | notes |")
    print("|---|---:|---:|---:|---:|---:|---|")
    skip = {"name", "size", "seconds", "per_second", "peak_mb", "baseline", "ratio"}
    skip |= {"old_baseline", "old_ratio"}
    for e in entries:
        notes = ", ".join(f"{k} {v}" for k, v in e.items() if k not in skip)
        ratio = f"{e['ratio']} × {e['baseline']}" if e.get("ratio") else ""
        if e.get("old_ratio"):  # the floor beside the baseline it replaced
            ratio += f" (was {e['old_ratio']} × {e['old_baseline']})"
        per_second = f"{e['per_second']:,.0f}" if e.get("per_second") else ""
        print(
            f"| {e['name']} | {e['size']:,} | {e['seconds']} | {per_second} | "
            f"{e['peak_mb']} | {ratio} | {notes} |"
        )


if __name__ == "__main__":
    main()
