"""Indonesian ships complete, and the compiled catalogue matches its source."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "id" / "LC_MESSAGES"
CATALOGUES = sorted(LOCALE.glob("*.po"))


def test_there_is_an_indonesian_catalogue():
    assert (LOCALE / "django.po").exists()


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.name)
def test_every_indonesian_entry_is_translated(po_path):
    catalogue = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in catalogue.untranslated_entries()]
    fuzzy = [e.msgid for e in catalogue.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.name)
def test_the_compiled_catalogue_is_up_to_date(po_path):
    source = polib.pofile(str(po_path))
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    expected = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in source
                if e.translated() and not e.obsolete}  # fmt: skip
    actual = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in compiled}
    assert expected == actual, "run `make messages`"


PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{\w*\}")


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: p.name)
def test_translations_keep_every_placeholder(po_path):
    for entry in polib.pofile(str(po_path)).translated_entries():
        if entry.msgid_plural:
            allowed = set(PLACEHOLDER.findall(entry.msgid + entry.msgid_plural))
            for msgstr in entry.msgstr_plural.values():
                assert set(PLACEHOLDER.findall(msgstr)) <= allowed, entry.msgid
        else:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(
                PLACEHOLDER.findall(entry.msgid)
            ), entry.msgid


def test_a_model_label_reads_in_indonesian():
    from schedules.models import Shift

    with translation.override("id"):
        assert str(Shift._meta.verbose_name) != "shift"
    with translation.override("en"):
        assert str(Shift._meta.verbose_name) == "shift"
