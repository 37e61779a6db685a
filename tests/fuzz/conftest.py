"""After a run that fuzzed: how many requests each service answered, by status class."""

import pytest

from tests.fuzz.hooks import TALLY


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for service, counts in sorted(TALLY.items()):
        classes = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != "requests")
        terminalreporter.write_line(f"API fuzz, {service}: {counts['requests']} requests ({classes})")
