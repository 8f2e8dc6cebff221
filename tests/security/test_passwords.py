"""Passwords: 12 to 128 characters, no known or context passwords, no composition
rules."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


def _codes(password, user=None) -> set[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {error.code for error in exc.error_list}
    return set()


@pytest.mark.parametrize(
    "password",
    [
        "kanal-barat-malam-2024",
        "839205718364",  # all digits: long enough, and no composition rules
        "correct horse battery",
        "hujan-deras!",  # 12 characters, the least
        ("kanal barat ümbul " * 8)[:128],  # 128, the most
    ],
)
def test_long_unguessable_passwords_are_accepted(password, piket_tambora):
    assert _codes(password, piket_tambora) == set()


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("rumput-hija", "password_too_short"),
        ("a" * 129, "password_too_long"),
        ("password1234", "password_too_common"),
        ("qwertyuiop12", "password_too_common"),
    ],
)
def test_short_long_and_common_passwords_are_refused(password, code, db):
    assert code in _codes(password)


@pytest.mark.parametrize(
    "password",
    [
        "123456789012",
        "aaaaaaaaaaaa",
        "qwertyuiopas",
        "abcdefghijkl",
        "1qaz2wsx3edc",
        "abcabcabcabc",
        "987654321098",
        "!@#$%^&*()_+",
        "zxcvbnmasdfg",
        "xq7!xq7!xq7!",
    ],
)
def test_repeated_sequential_and_keyboard_passwords_are_refused(password, db):
    assert "password_is_pattern" in _codes(password)


def test_a_pattern_inside_a_longer_password_is_allowed(db):
    assert _codes("jaga-malam-1234-kanal") == set()


@pytest.mark.parametrize(
    "password",
    [
        "Tambora-malam-2024",
        "jaga-tanjungduren-99",
        "di gambir sampai pagi",
        "SayaPolisiJakarta1",
        "patroli-kanal-malam",
        "p4tr0li-kanal-malam",
        "POL1SI.kanal.barat",
        "piket.tambora-2024",
    ],
)
def test_passwords_built_on_context_words_are_refused(
    password, piket_tambora, tanjungduren, gambir
):
    assert "password_has_context_word" in _codes(password, piket_tambora)


def test_the_username_itself_counts_as_a_context_word(tambora):
    from tests import factories

    user = factories.UserFactory(username="budi.santoso")
    assert "password_has_context_word" in _codes("santoso-kanal-barat", user)
    assert _codes("santoso-kanal-barat") == set()


def test_a_new_password_form_shows_the_context_message(piket_tambora):
    form = SetPasswordForm(
        piket_tambora,
        {
            "new_password1": "Tambora-kanal-2024",
            "new_password2": "Tambora-kanal-2024",
        },
    )
    assert not form.is_valid()
    assert "polisi" in " ".join(form.errors["new_password2"])
