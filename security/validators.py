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
