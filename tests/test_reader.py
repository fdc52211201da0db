"""The reader end to end (spec §4.3, §6, §8, §10): layout, manifest, candidates, references,
the scope of errors, and what ``open_bundle`` hands to ingestion."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cvbridge import BundleAccessError, Phone, Report, open_bundle, validate_bundle
from cvbridge.bundle._reader import reopen_bundle
from tests.bundles import (
    RawMember,
    bundle_files,
    candidate,
    check,
    codes,
    docx,
    manifest,
    raw_bundle,
    write,
    zip_bytes,
)

CANDIDATE_FILE = "candidats/dupont.txt"
CV = "cvs/dupont.docx"
PARIS = timezone(timedelta(hours=2))

SPEC_EXAMPLE_CANDIDATE = """\
# Candidate parsed from an application on Welcome to the Jungle
external_id: TAL-000184
civility: Mme
last_name: Dupré-Lefèvre
first_name: Hélène
email: helene.dupre-lefevre@example.com
phone: 06 12 34 56 78
phone: +33 4 78 42 10 00
address: 12, rue de la République
postal_code : 69002
city : Lyon
country: FR
birth_date: 1988-11-23
availability: 2024-09-01
consent_until: 2026-05-01
position: Responsable comptable et fiscale
job_ref: RCF-2024-117
source: Welcome to the Jungle
skill: Comptabilité générale
skill: SAP FI/CO
skill: Consolidation IFRS
language: français (langue maternelle)
language: anglais courant
experience_years: 12
received_at: 2024-04-29T09:14:00+02:00
summary: Douze ans d'expérience en cabinet puis en entreprise industrielle.
  Encadrement d'une équipe de quatre comptables ; clôtures mensuelles,
  liasse fiscale et reporting groupe sous SAP.
cv_file: candidats/dupre-lefevre/CV Hélène Dupré-Lefèvre.docx
attachment: candidats/dupre-lefevre/lettre-motivation.pdf
x-score-matching: 87
"""

SPEC_EXAMPLE_MANIFEST = """\
# Livraison du 2 mai 2024
format: cvbundle/1.0
bundle_id: TALENTIA-2024-05-02-001
vendor: talentia
created_at: 2024-05-02T18:30:00+02:00
candidate_count: 1
"""


def spec_example() -> dict[str, bytes | str]:
    return {
        "manifest.txt": SPEC_EXAMPLE_MANIFEST,
        "candidats/dupre-lefevre.txt": SPEC_EXAMPLE_CANDIDATE,
        "candidats/dupre-lefevre/CV Hélène Dupré-Lefèvre.docx": docx(),
        "candidats/dupre-lefevre/lettre-motivation.pdf": b"%PDF-1.7\n",
    }


def two_candidates(**extra: bytes | str) -> dict[str, bytes | str]:
    return bundle_files() | {
        "manifest.txt": manifest(candidate_count="2"),
        "candidats/martin.txt": candidate(external_id="C-002", last_name="Martin",
                                          cv_file="cvs/martin.docx"),
        "cvs/martin.docx": docx(),
    } | extra


# -- the model --------------------------------------------------------------------------


def test_spec_example_reads_into_the_model(tmp_path: Path) -> None:
    data = zip_bytes(spec_example())
    with open_bundle(write(tmp_path, data, "TALENTIA-2024-05-02-001.zip")) as opened:
        assert opened.report.findings == []
        bundle = opened.bundle
        assert bundle.sha256 == hashlib.sha256(data).hexdigest()
        assert bundle.size == len(data)
        assert bundle.manifest is not None
        assert (bundle.manifest.format, bundle.manifest.bundle_id, bundle.manifest.vendor) == (
            "cvbundle/1.0", "TALENTIA-2024-05-02-001", "talentia")
        assert bundle.manifest.created_at == datetime(2024, 5, 2, 18, 30, tzinfo=PARIS)
        assert (bundle.manifest.candidate_count, bundle.manifest.encoding) == (1, "utf-8")
        [person] = bundle.candidates
    assert person.member == "candidats/dupre-lefevre.txt"
    assert (person.external_id, person.civility, person.last_name, person.first_name) == (
        "TAL-000184", "Mme", "Dupré-Lefèvre", "Hélène")
    assert person.email == "helene.dupre-lefevre@example.com"
    assert person.phones == [Phone("06 12 34 56 78", "+33612345678"),
                             Phone("+33 4 78 42 10 00", "+33478421000")]
    assert (person.address, person.postal_code, person.city, person.country) == (
        "12, rue de la République", "69002", "Lyon", "FR")
    assert (person.birth_date, person.availability, person.consent_until) == (
        date(1988, 11, 23), date(2024, 9, 1), date(2026, 5, 1))
    assert (person.position, person.job_ref, person.source) == (
        "Responsable comptable et fiscale", "RCF-2024-117", "Welcome to the Jungle")
    assert person.skills == ["Comptabilité générale", "SAP FI/CO", "Consolidation IFRS"]
    assert person.languages == ["français (langue maternelle)", "anglais courant"]
    assert person.experience_years == 12
    assert person.received_at == datetime(2024, 4, 29, 9, 14, tzinfo=PARIS)
    assert person.summary == (
        "Douze ans d'expérience en cabinet puis en entreprise industrielle.\n"
        "Encadrement d'une équipe de quatre comptables ; clôtures mensuelles,\n"
        "liasse fiscale et reporting groupe sous SAP.")
    assert person.custom == {"x-score-matching": ["87"]}
    assert person.cv is not None
    assert (person.cv.path, person.cv.role, person.cv.kind) == (
        "candidats/dupre-lefevre/CV Hélène Dupré-Lefèvre.docx", "cv", "docx")
    cv_bytes = spec_example()[person.cv.path]
    assert isinstance(cv_bytes, bytes)
    assert person.cv.sha256 == hashlib.sha256(cv_bytes).hexdigest()
    [letter] = person.attachments
    assert (letter.path, letter.role, letter.kind, letter.size) == (
        "candidats/dupre-lefevre/lettre-motivation.pdf", "attachment", "pdf", 9)
    assert person.documents == [person.cv, letter]
    assert person.accepted


def test_report_fields(tmp_path: Path) -> None:
    report = validate_bundle(write(tmp_path, zip_bytes(spec_example())),
                             display_name="TALENTIA-2024-05-02-001.zip")
    assert (report.path, report.bundle_id, report.vendor, report.candidates) == (
        "TALENTIA-2024-05-02-001.zip", "TALENTIA-2024-05-02-001", "talentia", 1)
    assert report.to_dict() == {
        "path": "TALENTIA-2024-05-02-001.zip", "valid": True,
        "bundle_id": "TALENTIA-2024-05-02-001", "vendor": "talentia",
        "sha256": report.sha256, "size": report.size, "candidates": 1,
        "rejected_candidates": [], "counts": {"error": 0, "warning": 0}, "messages": []}


def test_read_document_returns_the_original_bytes(tmp_path: Path) -> None:
    files = spec_example()
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        [person] = opened.bundle.candidates
        for document in person.documents:
            assert opened.read_document(document) == files[document.path]
    with pytest.raises(BundleAccessError, match="closed"):
        opened.read_document(person.documents[0])


@pytest.mark.parametrize("keep", [0, 1, 10**6])
def test_kept_documents_read_as_the_archive_does(tmp_path: Path, keep: int) -> None:
    """Bytes kept from the check, up to ``keep_documents`` in all, are the ones read_document
    gives; the others are read again from the archive: the same bytes either way."""
    files = spec_example()
    with open_bundle(write(tmp_path, zip_bytes(files)), keep_documents=keep) as opened:
        [person] = opened.bundle.candidates
        assert sum(map(len, opened.kept.values())) <= keep
        assert set(opened.kept) <= {d.sha256 for d in person.documents}
        assert (len(opened.kept) == len(person.documents)) == (keep == 10**6)
        for document in person.documents:
            assert opened.read_document(document) == files[document.path]
            assert hashlib.sha256(files[document.path]).hexdigest() == document.sha256
    assert opened.kept == {}  # let go with the bundle


@pytest.mark.parametrize("keep", [0, 10**6])
def test_reopened_bundle_reads_documents_kept_or_from_the_file(tmp_path: Path,
                                                               keep: int) -> None:
    files = spec_example()
    path = write(tmp_path, zip_bytes(files))
    with open_bundle(path, keep_documents=keep) as first:
        report, bundle, kept = first.report, first.bundle, dict(first.kept)
    if keep:
        path.unlink()  # every document was kept: the file is not needed any more
    with reopen_bundle(path, report, bundle, kept=kept) as opened:
        [person] = opened.bundle.candidates
        assert [opened.read_document(d) for d in person.documents] == [
            files[d.path] for d in person.documents]


def test_missing_file_is_an_access_error(tmp_path: Path) -> None:
    with pytest.raises(BundleAccessError, match="cannot open"):
        validate_bundle(tmp_path / "absent.zip")


# -- manifest ---------------------------------------------------------------------------


def test_manifest_missing(tmp_path: Path) -> None:
    files = bundle_files()
    del files["manifest.txt"]
    report = check(tmp_path, files)
    assert [(f.code, f.member, f.candidate) for f in report.findings] == [
        ("MANIFEST-MISSING", None, None)]
    assert report.bundle_errors == report.errors


def test_manifest_not_at_the_root_is_a_candidate_file(tmp_path: Path) -> None:
    files = bundle_files()
    files["docs/manifest.txt"] = files.pop("manifest.txt")
    report = check(tmp_path, files)
    assert "MANIFEST-MISSING" in codes(report)
    assert "docs/manifest.txt" in report.rejected_candidates


@pytest.mark.parametrize("value", ["cvbundle/2.0", "cvbundle/1", "cvbundle", "CVX/1.0"])
def test_unsupported_format(tmp_path: Path, value: str) -> None:
    report = check(tmp_path, bundle_files() | {"manifest.txt": manifest(format=value)})
    assert [(f.code, f.line, f.message) for f in report.findings] == [
        ("MANIFEST-FORMAT", 1, f"format '{value}' is not supported (expected cvbundle/1.0)")]
    assert report.bundle_errors == report.errors


def test_newer_minor_version_reads_as_1_0(tmp_path: Path) -> None:
    files = bundle_files() | {"manifest.txt": manifest(format="cvbundle/1.3"),
                              CANDIDATE_FILE: candidate(**{"linkedin": "https://x"})}
    report = check(tmp_path, files)
    assert [(f.code, f.severity) for f in report.findings] == [
        ("MANIFEST-NEWER-MINOR", "warning"), ("KEY-UNKNOWN", "warning")]
    assert report.valid


def test_candidate_count_mismatch(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {"manifest.txt": manifest(candidate_count="2")})
    assert [(f.code, f.member, f.line, f.candidate, f.message) for f in report.findings] == [
        ("MANIFEST-COUNT", "manifest.txt", 5, None,
         "candidate_count says 2 but the bundle holds 1 candidate files")]


def test_every_other_txt_file_is_a_candidate_file(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {"LISEZMOI.txt": "Bonjour\n"})
    assert codes(report) == {"TEXT-SYNTAX", "KEY-MISSING", "MANIFEST-COUNT"}
    assert report.rejected_candidates == ["LISEZMOI.txt"]


def test_manifest_errors_fail_the_bundle_but_candidates_are_still_checked(
    tmp_path: Path
) -> None:
    files = bundle_files(birth_date="hier") | {"manifest.txt": manifest(vendor="acme corp")}
    report = check(tmp_path, files)
    assert [(f.code, f.member, f.candidate) for f in report.errors] == [
        ("VALUE-INVALID", "manifest.txt", None),
        ("VALUE-INVALID", CANDIDATE_FILE, CANDIDATE_FILE)]
    assert len(report.bundle_errors) == 1


# -- candidates -------------------------------------------------------------------------


def test_duplicate_external_id_rejects_both(tmp_path: Path) -> None:
    files = two_candidates(**{"candidats/martin.txt": candidate(last_name="Martin",
                                                                cv_file="cvs/martin.docx")})
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        report = opened.report
        assert [(f.code, f.member, f.message) for f in report.findings] == [
            ("CANDIDATE-DUPLICATE-ID", "candidats/martin.txt",
             "external_id 'C-001' is also used by candidats/dupont.txt"),
            ("CANDIDATE-DUPLICATE-ID", CANDIDATE_FILE,
             "external_id 'C-001' is also used by candidats/martin.txt")]
        assert sorted(report.rejected_candidates) == [CANDIDATE_FILE, "candidats/martin.txt"]
        assert opened.bundle.accepted_candidates == []
        assert report.bundle_errors == []


def test_candidate_error_rejects_only_that_candidate(tmp_path: Path) -> None:
    files = two_candidates(**{"candidats/martin.txt": candidate(
        external_id="C-002", cv_file="cvs/martin.docx", email="martin@")})
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        assert opened.report.rejected_candidates == ["candidats/martin.txt"]
        accepted = {c.member: c.accepted for c in opened.bundle.candidates}
        assert accepted == {CANDIDATE_FILE: True, "candidats/martin.txt": False}
        assert all(f.candidate == "candidats/martin.txt" for f in opened.report.errors)
        assert opened.report.bundle_errors == []
        assert not opened.report.valid


def test_bundle_level_findings_have_no_candidate(tmp_path: Path) -> None:
    member = RawMember("cvs/x\x00.pdf", b"%PDF-")
    files = bundle_files() | {"manifest.txt": manifest(candidate_count="3")}
    report = check(tmp_path, raw_bundle([member], files=files))
    assert {(f.code, f.candidate) for f in report.errors} == {
        ("PATH-CONTROL", None), ("MANIFEST-COUNT", None)}
    assert report.rejected_candidates == []


# -- references -------------------------------------------------------------------------


def test_reference_to_a_missing_member(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(cv_file="cvs/absent.docx"))
    assert [(f.code, f.member, f.line, f.candidate, f.message) for f in report.findings] == [
        ("REF-MISSING", CANDIDATE_FILE, 4, CANDIDATE_FILE,
         "cv_file 'cvs/absent.docx' is not in the bundle"),
        ("LAYOUT-UNREFERENCED", CV, None, None,
         "no candidate references this member; it was ignored")]


def test_references_are_case_sensitive_and_from_the_root(tmp_path: Path) -> None:
    for reference in ("cvs/Dupont.docx", "dupont.docx", "cvs\\dupont.docx"):
        report = check(tmp_path, bundle_files(cv_file=reference))
        assert codes(report) == {"REF-MISSING", "LAYOUT-UNREFERENCED"}, reference


@pytest.mark.parametrize("reference", ["./cvs/dupont.docx", "/cvs/dupont.docx"])
def test_leading_root_marker_is_tolerated(tmp_path: Path, reference: str) -> None:
    assert check(tmp_path, bundle_files(cv_file=reference)).findings == []


def test_member_whose_name_starts_with_a_dot_can_be_referenced(tmp_path: Path) -> None:
    files = bundle_files(cv_file=".cvs/dupont.docx")
    files[".cvs/dupont.docx"] = files.pop(CV)
    assert check(tmp_path, files).findings == []


def test_reference_normalised_to_nfc(tmp_path: Path) -> None:
    import unicodedata

    nfc = "cvs/Hélène.docx"
    files = bundle_files(cv_file=unicodedata.normalize("NFD", nfc))
    files[nfc] = files.pop(CV)
    assert check(tmp_path, files).findings == []


def test_document_referenced_by_two_candidates(tmp_path: Path) -> None:
    files = two_candidates(**{"candidats/martin.txt": candidate(external_id="C-002",
                                                                cv_file=CV)})
    del files["cvs/martin.docx"]
    report = check(tmp_path, files)
    # Candidates are read in name order: dupont first, so martin holds the later reference.
    assert [(f.code, f.candidate, f.message) for f in report.findings] == [
        ("REF-TWICE", "candidats/martin.txt",
         f"cv_file '{CV}' is already referenced by {CANDIDATE_FILE}")]
    assert report.rejected_candidates == ["candidats/martin.txt"]


def test_document_referenced_twice_by_one_candidate(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files(attachment=CV))
    assert [(f.code, f.line) for f in report.findings] == [("REF-TWICE", 5)]


@pytest.mark.parametrize(
    ("key", "reference", "allowed"),
    [
        ("cv_file", "cvs/dupont.pdf", ".docx, .doc"),
        ("attachment", "cvs/photo.jpg", ".docx, .doc, .pdf, .odt, .rtf"),
    ],
)
def test_reference_with_an_extension_not_accepted(tmp_path: Path, key: str, reference: str,
                                                  allowed: str) -> None:
    files = bundle_files() | {CANDIDATE_FILE: candidate(**{key: reference}),
                              reference: b"%PDF-1.4"}
    if key == "cv_file":
        del files[CV]
    report = check(tmp_path, files)
    # The member is named by a reference, refused or not: it is not also unreferenced.
    assert [(f.message, f.suggestion) for f in report.findings] == [
        (f"{key} '{reference}' has an extension that is not accepted ({allowed})",
         f"Convert the document to one of: {allowed}.")]


def test_extensions_compare_case_insensitively(tmp_path: Path) -> None:
    files = bundle_files(cv_file="cvs/DUPONT.DOCX")
    files["cvs/DUPONT.DOCX"] = files.pop(CV)
    assert check(tmp_path, files).findings == []


def test_unreferenced_member_is_a_warning(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {"cvs/photo.jpg": b"\xff\xd8\xff", "cvs/": b""})
    assert [(f.code, f.severity, f.member) for f in report.findings] == [
        ("LAYOUT-UNREFERENCED", "warning", "cvs/photo.jpg")]
    assert report.valid


# -- layout -----------------------------------------------------------------------------


def test_junk_entries_are_ignored(tmp_path: Path) -> None:
    junk = ["__MACOSX/cvs/._dupont.docx", ".DS_Store", "cvs/Thumbs.db", "desktop.ini",
            "cvs/~$dupont.docx", "cvs/._dupont.docx", "__MACOSX/manifest.txt"]
    report = check(tmp_path, bundle_files() | dict.fromkeys(junk, b"\x00junk"))
    assert [(f.code, f.member) for f in report.findings] == [
        ("LAYOUT-JUNK", name) for name in junk]
    assert report.findings[1].message == (
        "'.DS_Store' is an operating-system or editor leftover and was ignored")
    assert report.valid


def test_wrapped_bundle_is_read_from_its_folder(tmp_path: Path) -> None:
    files = {f"Export 2 mai/{name}": content for name, content in bundle_files().items()}
    files["__MACOSX/Export 2 mai/._manifest.txt"] = b"\0"
    files[".DS_Store"] = b"\0"
    with open_bundle(write(tmp_path, zip_bytes(files))) as opened:
        assert [(f.code, f.message) for f in opened.report.findings] == [
            ("LAYOUT-JUNK", "'__MACOSX/Export 2 mai/._manifest.txt' is an operating-system or "
                            "editor leftover and was ignored"),
            ("LAYOUT-JUNK", "'.DS_Store' is an operating-system or editor leftover and was "
                            "ignored"),
            ("LAYOUT-WRAPPED", "every member is inside the folder 'Export 2 mai/'; it was "
                               "stripped")]
        assert opened.report.valid
        [person] = opened.bundle.candidates
        assert person.member == f"Export 2 mai/{CANDIDATE_FILE}"
        assert person.cv is not None
        assert (person.cv.path, person.cv.archive_name) == (CV, f"Export 2 mai/{CV}")
        assert opened.read_document(person.cv) == files[f"Export 2 mai/{CV}"]


def test_only_one_wrapping_folder_is_stripped(tmp_path: Path) -> None:
    files = {f"a/b/{name}": content for name, content in bundle_files().items()}
    assert {"LAYOUT-WRAPPED", "MANIFEST-MISSING"} <= codes(check(tmp_path, files))


def test_manifest_at_the_root_means_not_wrapped(tmp_path: Path) -> None:
    files = {"manifest.txt": manifest()} | {
        f"lot/{name}": content for name, content in bundle_files(cv_file=f"lot/{CV}").items()
        if name != "manifest.txt"}
    assert check(tmp_path, files).findings == []


def test_nested_archive(tmp_path: Path) -> None:
    report = check(tmp_path, bundle_files() | {"cvs/anciens.zip": zip_bytes({"a.txt": "x"})})
    assert [(f.code, f.member, f.candidate, f.message) for f in report.findings] == [
        ("ZIP-NESTED", "cvs/anciens.zip", None, "this member is an archive inside the bundle")]


@pytest.mark.parametrize("name", ["cvs/x.7z", "cvs/x.RAR", "cvs/x.tar.gz", "cvs/x.jar"])
def test_other_nested_archives(tmp_path: Path, name: str) -> None:
    assert codes(check(tmp_path, bundle_files() | {name: b"\0" * 10})) == {"ZIP-NESTED"}


def test_report_of_a_partial_bundle(tmp_path: Path) -> None:
    files = two_candidates(**{"cvs/martin.docx": b"%PDF-1.4"})
    report: Report = check(tmp_path, files)
    assert report.candidates == 2
    assert report.rejected_candidates == ["candidats/martin.txt"]
    assert report.counts() == {"error": 1, "warning": 0}
