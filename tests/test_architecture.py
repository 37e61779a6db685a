"""The layering rules of docs/architecture.md, checked by import-linter's contracts in pyproject.toml."""

import subprocess
import sys
from pathlib import Path

from tests.timing import patience

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold() -> None:
    lint = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                            timeout=patience(120.0))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
