"""Password validators beside Django's: a maximum length and the force's own words."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Words anyone would try first against a police system.
FORCE_WORDS = ("polisi", "patroli", "polri", "polsek", "polres", "giliran", "piket")
# Precinct names are mostly these words plus the place: only the place is telling
# ("Polsek Tambora" → "tambora").
GENERIC_NAME_WORDS = {"polsek", "polres", "polda", "metro", "kota", "jakarta"}
MIN_WORD_LENGTH = 4


def _fold(text: str) -> str:
    """Lower case, no accents, letters and digits only."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _deleet(text: str) -> str:
    return text.translate(str.maketrans("0134578@$", "oieastbas"))


class MaximumLengthValidator:
    """Refuse passwords longer than max_length (hashing cost, no real gain)."""

    def __init__(self, max_length: int = 128):
        self.max_length = max_length

    def validate(self, password: str, user=None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It must contain at most "
                    "%(max_length)d character.",
                    "This password is too long. It must contain at most "
                    "%(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can’t be longer than %(max_length)d character.",
            "Your password can’t be longer than %(max_length)d characters.",
            self.max_length,
        ) % {"max_length": self.max_length}


class ContextWordsValidator:
    """Refuse a password built on a word an attacker would guess from context:
    the username, the precinct names, or the force's own words."""

    def validate(self, password: str, user=None) -> None:
        folded = _fold(password)
        candidates = {folded, _deleet(folded)}
        for word in self.words_for(user):
            if any(word in candidate for candidate in candidates):
                raise ValidationError(
                    _(
                        "This password contains a word that is easy to guess here "
                        "(your username, a precinct name, “polisi”, “patroli”…)."
                    ),
                    code="password_has_context_word",
                )

    def words_for(self, user) -> set[str]:
        from precincts.models import Precinct

        words = set(FORCE_WORDS)
        for name, code in Precinct.objects.values_list("name", "code"):
            for part in re.split(r"[\s\-_/]+", f"{name} {code}"):
                part = _fold(part)
                if part not in GENERIC_NAME_WORDS:
                    words.add(part)
            words.add(_fold(name))
        if user is not None:
            username = user.get_username() or ""
            words.add(_fold(username))
            words.update(_fold(part) for part in re.split(r"[\s.\-_@]+", username))
        return {word for word in words if len(word) >= MIN_WORD_LENGTH}

    def get_help_text(self) -> str:
        return _(
            "Your password can’t contain your username, a precinct name or words "
            "like “polisi” and “patroli”."
        )


# A QWERTY keyboard, unshifted, row by row; each row sits about a quarter to half a
# key to the right of the one above it (x positions in key widths).
KEY_ROWS = (
    ("`1234567890-=", 0.0),
    ("qwertyuiop[]\\", 1.5),
    ("asdfghjkl;'", 1.75),
    ("zxcvbnm,./", 2.25),
)
# Shifted keys stand for the key they are on ("!@#$" walks like "1234").
UNSHIFT = str.maketrans('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./")


def _key_positions() -> dict[str, tuple[int, float]]:
    return {
        key: (row, offset + column)
        for row, (keys, offset) in enumerate(KEY_ROWS)
        for column, key in enumerate(keys)
    }


KEYS = _key_positions()


def _adjacent_keys(a: str, b: str) -> bool:
    """Whether two keys touch on the keyboard (beside, above or below)."""
    if a not in KEYS or b not in KEYS or a == b:
        return False
    (row_a, x_a), (row_b, x_b) = KEYS[a], KEYS[b]
    if row_a == row_b:
        return abs(x_a - x_b) == 1
    return abs(row_a - row_b) == 1 and abs(x_a - x_b) <= 1


def _runs(text: str, linked, min_length: int) -> set[int]:
    """Positions inside runs of at least min_length characters in which each
    character is linked to the one before it."""
    covered: set[int] = set()
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not linked(text[i - 1], text[i]):
            if i - start >= min_length:
                covered.update(range(start, i))
            start = i
    return covered


def _sequence_runs(text: str) -> set[int]:
    """Runs going up or down one character at a time: "abcd", "4321"."""
    covered: set[int] = set()
    for step in (1, -1):
        covered |= _runs(
            text, lambda a, b, step=step: ord(b) - ord(a) == step, min_length=3
        )
    return covered


def _repeated_blocks(text: str) -> set[int]:
    """Every character that repeats the block just before it ("aaaa" after the
    first a, "abcabc" after the first abc)."""
    covered: set[int] = set()
    for size in range(1, len(text) // 2 + 1):
        i = 0
        while i + 2 * size <= len(text):
            if text[i : i + size] == text[i + size : i + 2 * size]:
                covered.update(range(i + size, i + 2 * size))
                i += size
            else:
                i += 1
    return covered


class PatternValidator:
    """Refuse a password that is mostly a pattern a guesser tries first: one
    character or block repeated ("aaaaaaaaaaaa", "abcabcabcabc"), a sequence
    ("abcdefghijkl", "123456789012") or a walk along the keys ("qwertyuiopas",
    "1qaz2wsx3edc"). Fewer than `min_free` characters outside such patterns and
    the password is refused, however long."""

    def __init__(self, min_free: int = 6):
        self.min_free = min_free

    def free_characters(self, password: str) -> int:
        text = password.lower().translate(UNSHIFT)
        covered = (
            _runs(text, lambda a, b: a == b, min_length=3)
            | _sequence_runs(text)
            | _runs(text, _adjacent_keys, min_length=4)
            | _repeated_blocks(text)
        )
        return len(text) - len(covered)

    def validate(self, password: str, user=None) -> None:
        if self.free_characters(password) < self.min_free:
            raise ValidationError(
                _(
                    "This password is mostly a pattern: a repeated character or "
                    "block, a sequence such as “abcd” or “1234”, or a row of keys "
                    "such as “qwerty”."
                ),
                code="password_is_pattern",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password can’t be mostly repeated characters, a sequence "
            "(“abcd”, “1234”) or a row of keys (“qwerty”)."
        )
