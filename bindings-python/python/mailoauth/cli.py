"""The admin's command line: ``python -m mailoauth`` (also installed as ``mailoauth``)."""

from __future__ import annotations

import sys
from typing import Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs the command line; returns the exit code."""
    return 0
