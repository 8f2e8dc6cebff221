"""Change positions as the API writes them: opaque text, versioned by a prefix.

A position is (change position, shift id) (schedules.positions); clients keep and
send it back as it came. The prefix lets a later encoding coexist with this one.
"""

import re

# 18 digits: always below 2**63, and far beyond any count of transactions.
PATTERN = r"p1\.[0-9]{1,18}\.[0-9]{1,18}"
_FORMAT = re.compile(r"p1\.([0-9]{1,18})\.([0-9]{1,18})")


def encode(change_tx: int, pk: int) -> str:
    return f"p1.{change_tx}.{pk}"


def decode(text: str) -> tuple[int, int] | None:
    """(change position, id), or None for text this API never wrote."""
    match = _FORMAT.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))
