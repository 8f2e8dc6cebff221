"""Text that people typed, made safe for the plain-text formats it leaves in.

A note may carry control characters (a bare carriage return, an escape, a
Unicode line separator). In the formats Giliran writes some of them mean
something: a CR ends an iCalendar content line, so a note with one could add
properties of its own to a feed (a URL, STATUS:CANCELLED); a line break in an
e-mail subject is a new header. Every text that reaches a calendar feed, an
e-mail, the night as text or a webhook goes through one of these.
"""

import re

# Every way of breaking a line: CR LF, CR, LF, VT, FF, NEL, LS, PS.
_BREAKS = re.compile("\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
# The other control characters (C0 but tab, DEL, C1), shown as nothing useful.
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def lines(text: str) -> str:
    """Line breaks as LF, other control characters (tab aside) as spaces."""
    return _CONTROLS.sub(" ", _BREAKS.sub("\n", str(text)))


def one_line(text: str) -> str:
    """One line: every break and control character, and tabs, as a space."""
    return _CONTROLS.sub(" ", _BREAKS.sub(" ", str(text))).replace("\t", " ")
