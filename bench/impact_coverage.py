"""Coverage of the impact estimator's 95% interval over generated orgs without a true effect.

    .venv/bin/python bench/impact_coverage.py [--replications 1000] [--json var/impact_coverage.json] [--no-legacy]

Runs every scenario of bench/impact_scenarios.py (seeded: the same command prints the same table), calling the
estimator the service uses, and beside it the former estimator (median-day comparison, percentile bootstrap), the
estimator with employment dates ignored (scenarios with hires or leavers) and the time series' placebo check.
Prints a Markdown table (docs/impact.md carries it) and writes the figures as JSON. Target: coverage 93-97% and
false "impact" at most 7% per scenario, or a descriptive-only answer where the design cannot support an interval.
"""

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.impact_scenarios import SCENARIOS, Result, study  # noqa: E402


def percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def row(r: Result) -> str:
    answers = (f"interval in {r.intervals}" + (f", descriptive only in {r.descriptive}" if r.descriptive else "")
               + (f", refused in {r.refused}" if r.refused else ""))
    beside = []
    if r.undated_coverage is not None:
        beside.append(f"employment dates ignored: {percent(r.undated_coverage)}")
    if r.placebo_coverage is not None:
        beside.append(f"placebo date: {percent(r.placebo_coverage)} hold 0")
    return (f"| {SCENARIOS[r.scenario][1]} | {percent(r.coverage)} | {percent(r.false_positive_rate)} | "
            f"{answers} | {percent(r.legacy_coverage)} | {'; '.join(beside) or '—'} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "impact_coverage.json")
    parser.add_argument("--no-legacy", action="store_true", help="skip the former estimator (faster)")
    args = parser.parse_args()
    results = []
    print(f"{args.replications} replications per scenario, no true effect, 95% intervals\n")
    print("| scenario (no true effect) | coverage of the 95% interval | false \"impact\" | answers | "
          "former estimator's coverage | checks beside it |")
    print("|---|---|---|---|---|---|")
    for name in SCENARIOS:
        result = study(name, args.replications, with_legacy=not args.no_legacy)
        results.append(result)
        print(row(result), flush=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"replications": args.replications, "confidence": 0.95,
                                     "scenarios": [r.as_json() for r in results]}, indent=2) + "\n")
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
