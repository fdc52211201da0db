"""Conformance cases on the bundle's text: manifest, candidate files, keys, values,
references between candidate files and documents."""

from __future__ import annotations

from .cases import Registry
from .minimal import (
    Lines,
    add_lines,
    candidate,
    cv_path,
    drop_key,
    lines_for,
    minimal_bundle,
    set_key,
    txt_path,
)
from .otherdocs import pdf, photo_png

content = Registry()


@content.case("error-manifest-missing.zip", "No manifest.txt: only a candidate and its CV.",
              ["MANIFEST-MISSING"])
def manifest_missing() -> bytes:
    b = minimal_bundle()
    del b.files["manifest.txt"]
    return b.zip()


@content.case("error-manifest-format.zip", "format: cvbundle/2.0 (another major version).",
              ["MANIFEST-FORMAT"])
def manifest_format() -> bytes:
    return minimal_bundle(manifest=set_key("format", "cvbundle/2.0")).zip()


@content.case("error-manifest-format-other.zip", "format: hr-xml/3.0 (not a cvbundle).",
              ["MANIFEST-FORMAT"])
def manifest_format_other() -> bytes:
    return minimal_bundle(manifest=set_key("format", "hr-xml/3.0")).zip()


@content.case("warning-manifest-newer-minor.zip",
              "format: cvbundle/1.3 (a later minor version, using no key unknown to 1.0).",
              ["MANIFEST-NEWER-MINOR"])
def manifest_newer_minor() -> bytes:
    return minimal_bundle(manifest=set_key("format", "cvbundle/1.3")).zip()


@content.case("error-manifest-count.zip", "candidate_count: 3 but two candidate files.",
              ["MANIFEST-COUNT"])
def manifest_count() -> bytes:
    return minimal_bundle(2, declared=3).zip()


@content.case("error-manifest-count-extra.zip",
              "candidate_count: 1 but two candidate files (one added after counting).",
              ["MANIFEST-COUNT"])
def manifest_count_extra() -> bytes:
    return minimal_bundle(2, declared=1).zip()


@content.case("error-text-decode.zip",
              "A UTF-8 bundle whose candidate file has one line in Latin-1 ('city: Besançon' "
              "with 0xE7). The rest of the file is read.", ["TEXT-DECODE"])
def text_decode() -> bytes:
    b = minimal_bundle()
    lines = lines_for(0)
    data = "\n".join(lines).encode("utf-8") + b"\n"
    old = f"city: {candidate(0).city}\n".encode()
    b.files[txt_path(0)] = data.replace(old, "city: Besançon\n".encode("latin-1"))
    return b.zip()


@content.case("error-text-decode-manifest.zip",
              "The manifest's comment line is in cp1252 ('# Export généré par Parséo'); the "
              "bundle is UTF-8.", ["TEXT-DECODE"])
def text_decode_manifest() -> bytes:
    b = minimal_bundle()
    data = b.files["manifest.txt"]
    _, rest = data.split(b"\n", 1)
    b.files["manifest.txt"] = "# Export généré par Parséo".encode("cp1252") + b"\n" + rest
    return b.zip()


@content.case("error-text-syntax.zip", "A line without a colon: 'Compétences Python, SQL'.",
              ["TEXT-SYNTAX"])
def text_syntax() -> bytes:
    return minimal_bundle(edits={0: add_lines("Compétences Python, SQL")}).zip()


@content.case("error-text-syntax-key.zip",
              "A key with a space: 'code postal: 72000' (keys are [a-z0-9_-]+).", ["TEXT-SYNTAX"])
def text_syntax_key() -> bytes:
    return minimal_bundle(edits={0: add_lines("code postal: 72000")}).zip()


@content.case("error-text-syntax-continuation.zip",
              "A continuation line (starting with a space) before any key.", ["TEXT-SYNTAX"])
def text_syntax_continuation() -> bytes:
    def edit(lines: Lines) -> Lines:
        return [lines[0], "   suite d'une ligne absente", *lines[1:]]

    return minimal_bundle(edits={0: edit}).zip()


@content.case("error-key-missing.zip", "A candidate file without first_name.", ["KEY-MISSING"])
def key_missing() -> bytes:
    return minimal_bundle(edits={0: drop_key("first_name")}).zip()


@content.case("error-key-missing-empty.zip", "'last_name:' with an empty value.",
              ["KEY-MISSING"])
def key_missing_empty() -> bytes:
    def edit(lines: Lines) -> Lines:
        return ["last_name:" if line.startswith("last_name:") else line for line in lines]

    return minimal_bundle(edits={0: edit}).zip()


@content.case("error-key-missing-manifest.zip", "A manifest without vendor.", ["KEY-MISSING"])
def key_missing_manifest() -> bytes:
    return minimal_bundle(manifest=drop_key("vendor")).zip()


@content.case("error-key-repeated.zip", "email given twice in a candidate file.",
              ["KEY-REPEATED"])
def key_repeated() -> bytes:
    return minimal_bundle(edits={0: add_lines("email: m.dupont@gmail.com", after="email")}).zip()


@content.case("error-key-repeated-manifest.zip", "bundle_id given twice in the manifest.",
              ["KEY-REPEATED"])
def key_repeated_manifest() -> bytes:
    return minimal_bundle(manifest=add_lines("bundle_id: PRH-CONF-0002", after="bundle_id")).zip()


@content.case("warning-key-unknown.zip",
              "An unknown key 'nationalite: française' (not x- prefixed); ignored.",
              ["KEY-UNKNOWN"])
def key_unknown() -> bytes:
    return minimal_bundle(edits={0: add_lines("nationalite: française")}).zip()


_INVALID_VALUES: list[tuple[str, str, str, str, bool]] = [
    # (file suffix, key, value, description, in manifest)
    ("email", "email", "marie.dupont@@orange.fr", "an e-mail address with two '@'", False),
    ("date", "birth_date", "1991-02-30", "a date that does not exist", False),
    ("date-format", "availability", "04/01/2027", "a date written DD/MM/YYYY", False),
    ("civility", "civility", "Mlle", "a civility outside M, Mme, Mx", False),
    ("country", "country", "France", "a country name instead of an ISO 3166-1 alpha-2 code",
     False),
    ("integer", "experience_years", "dix", "a non-numeric integer", False),
    ("integer-negative", "experience_years", "-2", "an integer below its minimum 0", False),
    ("datetime", "received_at", "2026-11-18T14:02:11", "a date-time without UTC offset", False),
    ("external-id", "external_id", "PRH 000901", "an identifier with a space", False),
    ("created-at", "created_at", "20/11/2026 09:30", "created_at not in ISO 8601", True),
    ("vendor", "vendor", "Parséo RH", "a vendor name with an accent and a space", True),
    ("candidate-count", "candidate_count", "un", "candidate_count not an integer", True),
    ("encoding", "encoding", "utf-16", "an encoding outside utf-8, windows-1252, iso-8859-15",
     True),
]


def _invalid_value_case(suffix: str, key: str, value: str, description: str,
                        in_manifest: bool) -> None:
    where = "manifest" if in_manifest else "candidate file"

    @content.case(f"error-value-invalid-{suffix}.zip",
                  f"{key}: {value} in the {where}: {description}.", ["VALUE-INVALID"])
    def build() -> bytes:
        if in_manifest:
            return minimal_bundle(manifest=set_key(key, value)).zip()
        return minimal_bundle(edits={0: set_key(key, value)}).zip()


for _entry in _INVALID_VALUES:
    _invalid_value_case(*_entry)


@content.case("warning-value-phone.zip", "phone: 06 12 34 (too short).", ["VALUE-PHONE"])
def value_phone() -> bytes:
    return minimal_bundle(edits={0: set_key("phone", "06 12 34")}).zip()


@content.case("warning-value-phone-text.zip", "phone: 'ne souhaite pas être appelée'.",
              ["VALUE-PHONE"])
def value_phone_text() -> bytes:
    return minimal_bundle(edits={0: set_key("phone", "ne souhaite pas être appelée")}).zip()


@content.case("error-candidate-duplicate-id.zip",
              "Two candidate files with external_id PRH-000901.", ["CANDIDATE-DUPLICATE-ID"])
def duplicate_id() -> bytes:
    return minimal_bundle(2, edits={1: set_key("external_id", candidate(0).external_id)}).zip()


@content.case("error-ref-missing.zip", "cv_file names 'cvs/martin-paul.docx', not in the bundle.",
              ["REF-MISSING"])
def ref_missing() -> bytes:
    b = minimal_bundle(2)
    del b.files[cv_path(1)]
    return b.zip()


@content.case("error-ref-missing-attachment.zip",
              "attachment names 'pieces-jointes/lettre.pdf', not in the bundle.", ["REF-MISSING"])
def ref_missing_attachment() -> bytes:
    return minimal_bundle(
        edits={0: add_lines("attachment: pieces-jointes/lettre.pdf", after="cv_file")}
    ).zip()


@content.case("error-ref-missing-folder.zip",
              "cv_file: dupont-marie.docx (folder forgotten) while the CV is "
              "cvs/dupont-marie.docx: the reference is missing and the CV unreferenced.",
              ["LAYOUT-UNREFERENCED", "REF-MISSING"])
def ref_missing_folder() -> bytes:
    return minimal_bundle(edits={0: set_key("cv_file", "dupont-marie.docx")}).zip()


@content.case("error-ref-twice.zip", "Two candidates give the same cv_file.", ["REF-TWICE"])
def ref_twice() -> bytes:
    b = minimal_bundle(2, edits={1: set_key("cv_file", cv_path(0))})
    del b.files[cv_path(1)]
    return b.zip()


@content.case("error-ref-twice-attachment.zip",
              "A candidate gives its CV again as an attachment.", ["REF-TWICE"])
def ref_twice_attachment() -> bytes:
    return minimal_bundle(edits={0: add_lines(f"attachment: {cv_path(0)}", after="cv_file")}).zip()


@content.case("error-ref-extension.zip", "cv_file is a .pdf (a real PDF).", ["REF-EXTENSION"])
def ref_extension() -> bytes:
    c = candidate(0)
    b = minimal_bundle(edits={0: set_key("cv_file", cv_path(0, "pdf"))})
    del b.files[cv_path(0)]
    b.add(cv_path(0, "pdf"), pdf([c.full_name, c.position], f"CV {c.full_name}"))
    return b.zip()


@content.case("error-ref-extension-attachment.zip", "attachment is a .png photo.",
              ["REF-EXTENSION"])
def ref_extension_attachment() -> bytes:
    b = minimal_bundle(edits={0: add_lines("attachment: pieces-jointes/photo.png",
                                           after="cv_file")})
    b.add("pieces-jointes/photo.png", photo_png("conformance"))
    return b.zip()

