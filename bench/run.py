"""`make bench`: every benchmark against its baseline in the same run, three rounds each; prints min / median /
max of each figure's ratio against its aim and writes bench/results.json.

    .venv/bin/python -m bench.run [--quick] [--rounds 3] [--only graphql_single,...]

Full by default (the scorecard figure loads 1.1M events through ingest: several minutes); `--quick` scales the
loads down (10k vs 100k events, shorter rounds) for a first look. Needs the local PostgreSQL
(`--pg`, default postgresql://postgres@127.0.0.1:5432/postgres). docs/performance.md says what each figure
means and holds the latest numbers.
"""

import argparse
import asyncio
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import downstream_calls, http_reads, impact_latency, ingest, scorecard_history
from bench.report import Figure, print_figures, write_results

RESULTS = Path(__file__).resolve().parent / "results.json"


def suites(quick: bool, rounds: int, pg: str) -> dict[str, Callable[[], list[Figure]]]:
    seconds = 2.0 if quick else 5.0
    return {
        "http_reads": lambda: http_reads.measure(seconds, rounds),
        "ingest": lambda: ingest.rounds(4 if quick else 10, rounds, pg),
        "scorecard_history": lambda: scorecard_history.measure(10_000 if quick else 100_000, seconds, rounds),
        "downstream_calls": lambda: asyncio.run(downstream_calls.measure(rounds)),
        "impact_latency": lambda: impact_latency.measure(seconds + 1, rounds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated suites: " + ", ".join(suites(False, 1, "")))
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    chosen = suites(args.quick, args.rounds, args.pg)
    if args.only:
        chosen = {k: v for k, v in chosen.items() if k in args.only.split(",")}
    figures: list[Figure] = []
    started = time.perf_counter()
    for name, run in chosen.items():
        print(f"== {name}", file=sys.stderr)
        t0 = time.perf_counter()
        figures += run()
        print(f"   {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print_figures(figures)
    write_results(figures, RESULTS, {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick, "rounds": args.rounds,
        "machine": f"{platform.machine()}, {platform.python_implementation()} {platform.python_version()}",
        "seconds": round(time.perf_counter() - started)})
    print(f"\n{RESULTS} written ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
