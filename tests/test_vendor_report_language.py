"""The vendor's ``NAME.zip.errors.txt`` is written in the site's ``vendor_lang``, whatever the
language the process speaks (and the reverse); the setting is read and checked like the
others. The codes, members and lines are the same in every language."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from cvbridge._config import Settings, SettingsError, load_settings
from cvbridge._i18n import current_language, use_language
from cvbridge.inbox._pickup import build_pickup
from cvbridge.store import Store

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "conformance"
NBSP = "\u00a0"
EN_DASH = "\u2013"


@pytest.fixture
def english() -> Iterator[None]:
    use_language("en")
    yield
    use_language("en")


@pytest.fixture
def french_process() -> Iterator[None]:
    use_language("fr")
    yield
    use_language("en")


def _poll(tmp_path: Path, sample: str, *, vendor_lang: str | None, times: int = 1) -> str:
    """``poll --once`` in-process on a local inbox holding ``sample`` (sent ``times`` times,
    byte for byte): the errors.txt of the last one (in failed/, or processed/ if partial)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    settings = Settings(db_url=f"sqlite:///{tmp_path / 'crm.db'}", inbox=str(inbox),
                        settle_seconds=0, upload_grace_seconds=0, work_dir=tmp_path / "work",
                        vendor_lang=vendor_lang)
    name = sample
    for round_number in range(times):
        name = f"{round_number}-{sample}"
        shutil.copyfile(SAMPLES / sample, inbox / name)
        with Store(settings.db_url) as store:
            build_pickup(settings, store).once(threading.Event())
    [report] = [folder / f"{name}.errors.txt" for folder in (tmp_path / "failed",
                                                              tmp_path / "processed")
                if (folder / f"{name}.errors.txt").exists()]
    return report.read_text(encoding="utf-8")


def test_a_french_vendor_reads_french_while_the_process_speaks_english(
        tmp_path: Path, english: None) -> None:
    text = _poll(tmp_path, "error-ref-missing.zip", vendor_lang="fr")
    assert text == (
        f"0-error-ref-missing.zip a été intégré en partie{NBSP}: les candidats en erreur ont "
        "été rejetés, les autres ont été chargés. Envoyez de nouveau les candidats rejetés "
        "dans un nouveau lot.\n"
        "\n"
        "erreur[REF-MISSING] 0-error-ref-missing.zip!candidats/martin-paul.txt:10"
        f"{NBSP}: cv_file «{NBSP}cvs/martin-paul.docx{NBSP}» n'est pas dans le lot\n"
        f"  Correction{NBSP}: Ajoutez le fichier, ou corrigez le chemin (depuis la racine du "
        f"lot, avec «{NBSP}/{NBSP}»).\n"
        f"0-error-ref-missing.zip{NBSP}: invalide {EN_DASH} 1 erreur, 0 avertissement, 2 candidats "
        "(1 rejeté)\n"
        "\n"
        "Chaque code est expliqué dans la spécification cvbundle 1.0 (catalogue des "
        "constats), en français dans cvbundle-1.0.fr.md.\n")
    assert current_language() == "en"  # the process still speaks English


def test_an_english_vendor_reads_todays_english_while_the_process_speaks_french(
        tmp_path: Path, french_process: None) -> None:
    text = _poll(tmp_path, "error-ref-missing.zip", vendor_lang="en")
    assert text == (
        "0-error-ref-missing.zip was ingested in part: the candidates with errors were "
        "rejected, the others were loaded. Send the rejected candidates again in a new "
        "bundle.\n"
        "\n"
        "error[REF-MISSING] 0-error-ref-missing.zip!candidats/martin-paul.txt:10: cv_file "
        "'cvs/martin-paul.docx' is not in the bundle\n"
        "  hint: Add the file, or correct the path (from the bundle root, with '/').\n"
        "0-error-ref-missing.zip: invalid - 1 error, 0 warnings, 2 candidates (1 rejected)\n"
        "\n"
        "Each code is explained in the cvbundle 1.0 specification (findings catalogue).\n")
    assert current_language() == "fr"


def test_without_vendor_lang_the_report_speaks_the_process_language(
        tmp_path: Path, french_process: None) -> None:
    text = _poll(tmp_path, "error-zip-truncated-comment.zip", vendor_lang=None)
    assert text.startswith("0-error-zip-truncated-comment.zip n'a PAS été intégré")
    # The detail is rendered in the vendor's language too, not only the template around it.
    assert f"l'archive est tronquée{NBSP}: l'enregistrement de fin à la position" in text


def test_details_follow_the_vendor_language_not_the_process_one(
        tmp_path: Path, english: None) -> None:
    text = _poll(tmp_path, "error-zip-truncated-comment.zip", vendor_lang="fr")
    assert "erreur[ZIP-TRUNCATED]" in text
    assert "déclare un commentaire de 112 octets et le fichier se termine après 52" in text
    assert "bytes" not in text


def test_a_duplicate_of_a_failed_bundle_is_refused_in_the_vendor_language(
        tmp_path: Path, english: None) -> None:
    text = _poll(tmp_path, "error-manifest-missing.zip", vendor_lang="fr", times=2)
    assert text.startswith("1-error-manifest-missing.zip n'a PAS été intégré")
    assert "C'est le même fichier, octet pour octet, qu'un lot déjà reçu" in text
    # The findings come from the store, which keeps their text as the process rendered it
    # at the first receipt (English here), not their fields: a text without fields is a
    # whole template, rendered again in the vendor's language.
    assert f"erreur[MANIFEST-MISSING] 1-error-manifest-missing.zip{NBSP}: le lot n'a pas " \
           "de manifest.txt à sa racine" in text
    assert f"  Correction{NBSP}: Ajoutez un manifest.txt avec format" in text


def test_a_duplicate_keeps_the_recorded_words_of_a_message_with_fields(
        tmp_path: Path, english: None) -> None:
    text = _poll(tmp_path, "error-ref-missing.zip", vendor_lang="fr", times=2)
    assert text.startswith("1-error-ref-missing.zip a été intégré en partie")
    # Its fields were not stored: the message stays as first rendered (English), while its
    # correction, a whole template, is French.
    assert "cv_file 'cvs/martin-paul.docx' is not in the bundle" in text
    assert f"Correction{NBSP}: Ajoutez le fichier, ou corrigez le chemin" in text


def test_vendor_lang_from_the_environment_and_the_config_file(tmp_path: Path) -> None:
    assert load_settings(environ={"CVBRIDGE_VENDOR_LANG": "fr_FR.UTF-8"}).vendor_lang == "fr"
    config = tmp_path / "cvbridge.toml"
    config.write_text('vendor_lang = "FR"\n', encoding="utf-8")
    assert load_settings(config_path=config, environ={}).vendor_lang == "fr"
    assert load_settings(environ={}).vendor_lang is None


def test_an_unknown_vendor_lang_names_its_source_and_the_languages(tmp_path: Path) -> None:
    config = tmp_path / "cvbridge.toml"
    config.write_text('inbox = "x"\nvendor_lang = "de"\n', encoding="utf-8")
    with pytest.raises(SettingsError) as raised:
        load_settings(config_path=config, environ={})
    assert f"{config}:2: unknown language 'de'; available: en, fr" in raised.value.problems
    with pytest.raises(SettingsError) as raised:
        load_settings(environ={"CVBRIDGE_VENDOR_LANG": "klingon"})
    assert raised.value.problems == [
        "$CVBRIDGE_VENDOR_LANG: unknown language 'klingon'; available: en, fr"]
