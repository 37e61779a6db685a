"""Plausibility of evidence: rules a well-formed item must also meet to be stored, each a per-item rejection
with its reason (docs/api.md §7).

- An activity's `amount` is not negative, unless its type allows refunds: `refund`, `credit_note`,
  `chargeback` and any custom type ending in `_refund` (a refund or credit is a negative amount; a deal, an
  opportunity or a sale is not).
- An activity's `occurred_at` and a completion's `completed_at` are at most one day ahead of the service's
  clock (a CRM's clock a little ahead is fine; next year is a typo) and not before the evidence horizon, a
  setting of the metrics service (`UPLIFT_METRICS_EVIDENCE_HORIZON`, a UTC day, default 2000-01-01).
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

REFUND_TYPES = frozenset({"refund", "credit_note", "chargeback"})
REFUND_SUFFIX = "_refund"
MAX_AHEAD = timedelta(days=1)


def allows_refunds(activity_type: str) -> bool:
    return activity_type in REFUND_TYPES or activity_type.endswith(REFUND_SUFFIX)


class Plausibility:
    """The rules as of one moment (`now`, a batch's start) and horizon."""

    def __init__(self, now: datetime, horizon: date) -> None:
        self.latest = now + MAX_AHEAD
        self.earliest = datetime.combine(horizon, time(), tzinfo=UTC)
        self.horizon = horizon

    def problems(self, item: Any, time_field: str) -> list[dict[str, str]]:
        """What makes this (validated) item implausible, as per-field errors; empty when nothing does."""
        out: list[dict[str, str]] = []
        at: datetime = getattr(item, time_field)
        if at > self.latest:
            out.append({"field": time_field, "code": "too_far_ahead",
                        "message": f"is more than one day ahead of now ({at.isoformat()})"})
        elif at < self.earliest:
            out.append({"field": time_field, "code": "before_horizon",
                        "message": f"is before the evidence horizon {self.horizon.isoformat()} ({at.isoformat()})"})
        amount = getattr(item, "amount", None)
        if amount is not None and amount < 0 and not allows_refunds(item.type):
            out.append({"field": "amount", "code": "negative_amount",
                        "message": f"must not be negative for a {item.type} (only refund types may be: "
                                   f"{', '.join(sorted(REFUND_TYPES))} or *{REFUND_SUFFIX})"})
        return out
