"""A benchmark figure: one ratio per round, summarised as min / median / max against its aim."""

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    key: str
    title: str
    aim: str
    meets: Callable[[float], bool]
    ratios: list[float] = field(default_factory=list)
    details: list[dict[str, Any]] = field(default_factory=list)

    def add(self, ratio: float, **detail: Any) -> None:
        self.ratios.append(ratio)
        self.details.append(detail)

    def summary(self) -> dict[str, Any]:
        median = statistics.median(self.ratios)
        return {"title": self.title, "aim": self.aim, "min": round(min(self.ratios), 3),
                "median": round(median, 3), "max": round(max(self.ratios), 3), "meets_aim": self.meets(median),
                "rounds": [round(r, 3) for r in self.ratios], "details": self.details}

    def line(self) -> str:
        s = self.summary()
        verdict = "ok" if s["meets_aim"] else "BELOW AIM"
        return (f"{self.title:<78} {s['min']:7.2f} / {s['median']:7.2f} / {s['max']:7.2f}   aim {self.aim:<6} "
                f"{verdict}")


def print_figures(figures: list[Figure]) -> None:
    print(f"\n{'figure':<78} {'min':>7} / {'median':>7} / {'max':>7}")
    for f in figures:
        print(f.line())


def write_results(figures: list[Figure], path: Path, meta: dict[str, Any]) -> None:
    path.write_text(json.dumps({**meta, "figures": {f.key: f.summary() for f in figures}}, indent=2, default=str)
                    + "\n")
