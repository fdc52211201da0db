"""The valid samples: realistic bundles a vendor would send, each meant to pass
with no error (warnings only where the case says so)."""

from __future__ import annotations

from docx.text.paragraph import Paragraph

from . import zipraw
from .bundle import Bundle, add_candidate, add_manifest, person
from .cases import Registry
from .cvdoc import (
    CvLayout,
    cover_letter_docx,
    cover_letter_paragraphs,
    cv_doc,
    cv_docx,
    cv_paragraphs,
)
from .docxwriter import Properties, add_text_box, new_document, to_bytes
from .metadata import candidate_lines, render
from .otherdocs import odt, pdf, photo_png, rtf

samples = Registry()


@samples.case(
    "valid-basic.zip",
    "Three French candidates, UTF-8: a CV with a hyperlink and a text box, one with a photo; "
    "x- keys, multi-line summary, national and international phones, a candidate file with "
    "a UTF-8 BOM and one written 'key\u00a0: value' (no-break space before the colon).",
    [],
)
def valid_basic() -> bytes:
    b = Bundle()
    dupont = person(101, "Marie", "Dupont", "Mme", jobs=3,
                    phones=["06 12 34 56 78", "+33 1 99 00 12 34"],
                    custom={"x-salary-expectation": "42 k€ brut annuel",
                            "x-parseo-score": "87"})
    lefevre = person(102, "Éléonore", "Lefèvre", "Mme", jobs=2,
                     phones=["+33 7 81 23 45 67"],
                     summary="Ingénieure logiciel passionnée par la qualité du code.\n"
                     "Huit ans de Python et de PostgreSQL en environnement agile.\n"
                     "Mobilité : Lyon, Grenoble ou télétravail.")
    noel = person(103, "Chloé", "Dubois-Noël", "Mme", jobs=2, phones=["07 56 12 90 33"])
    add_manifest(b, "PRH-20261120-0001", 3)
    add_candidate(b, dupont, layout=CvLayout(text_box=True, hyperlink=True), nbsp=True)
    add_candidate(b, lefevre, bom=True)
    add_candidate(b, noel, layout=CvLayout(photo=photo_png(noel.external_id)))
    return b.zip()


def _cp1252_bundle(encoding: str, bundle_id: str, first: int) -> bytes:
    b = Bundle()
    coeur = person(first, "Bénédicte", "Cœurdevey", "Mme", jobs=2,
                   custom={"x-salary-expectation": "38 k€", "x-remarque": "Prête à déménager"})
    leveque = person(first + 1, "Jérôme", "Lévêque", "M", jobs=2, phones=["04 65 71 33 08"])
    add_manifest(b, bundle_id, 2, encoding=encoding, newline="\r\n")
    for c in (coeur, leveque):
        add_candidate(b, c, encoding=encoding, newline="\r\n")
    return b.zip()


@samples.case(
    "valid-windows-1252.zip",
    "Manifest declares 'encoding: windows-1252'; every text file is cp1252 with CRLF line "
    "ends (é, œ, € as single bytes).",
    [],
)
def valid_windows_1252() -> bytes:
    return _cp1252_bundle("windows-1252", "PRH-20261120-0002", 111)


@samples.case(
    "valid-iso-8859-15.zip",
    "Manifest declares 'encoding: iso-8859-15' (€ is 0xA4, œ is 0xBD); CRLF line ends.",
    [],
)
def valid_iso_8859_15() -> bytes:
    return _cp1252_bundle("iso-8859-15", "PRH-20261120-0003", 113)


@samples.case(
    "valid-wrapped.zip",
    "Everything inside one top folder 'export-2026-11-20/' with directory entries, as "
    "'zip -r' of a folder makes it: valid, the folder is stripped.",
    ["LAYOUT-WRAPPED"],
)
def valid_wrapped() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0004", 2)
    add_candidate(b, person(121, "Loïc", "Kerjean", "M"))
    add_candidate(b, person(122, "Maëlle", "Le Gall", "Mme"))
    return b.zip(wrap="export-2026-11-20", directories=True)


@samples.case(
    "valid-legacy-doc.zip",
    "One CV is a Word 97-2003 .doc (text read from its piece table), the other a .docx.",
    [],
)
def valid_legacy_doc() -> bytes:
    b = Bundle()
    lefevre = person(131, "François", "Lefèvre", "M", jobs=3)
    add_manifest(b, "PRH-20261120-0005", 2)
    add_candidate(b, lefevre, cv=cv_doc(lefevre), cv_ext="doc")
    add_candidate(b, person(132, "Hélène", "Ménard", "Mme"))
    return b.zip()


@samples.case(
    "valid-attachments.zip",
    "Attachments of every accepted kind: a cover letter .docx, a diploma .pdf, an .odt and "
    "an .rtf letter, referenced with repeated 'attachment' keys.",
    [],
)
def valid_attachments() -> bytes:
    b = Bundle()
    agnes = person(141, "Agnès", "Périer", "Mme")
    theo = person(142, "Théo", "Bénézet", "M")
    add_manifest(b, "PRH-20261120-0006", 2)
    diploma = pdf(
        ["Université de Bordeaux", "", "Attestation de réussite",
         f"{agnes.first_name} {agnes.last_name.upper()} a obtenu le diplôme :",
         "Master Comptabilité, contrôle, audit — session de juin 2014."],
        "Attestation de réussite",
    )
    add_candidate(b, agnes, attachments={
        f"pieces-jointes/{agnes.slug}-lettre.docx": cover_letter_docx(agnes),
        f"pieces-jointes/{agnes.slug}-diplome.pdf": diploma,
    })
    b.stored.add(f"pieces-jointes/{agnes.slug}-diplome.pdf")  # as 'zip -n .pdf' does
    add_candidate(b, theo, attachments={
        f"pieces-jointes/{theo.slug}-lettre.odt": odt(cover_letter_paragraphs(theo),
                                                      "Lettre de motivation"),
        f"pieces-jointes/{theo.slug}-references.rtf": rtf(
            ["Références professionnelles",
             "M. Hervé Gaillard, directeur technique — Ateliers Verdier",
             "Mme Solène Robin, responsable de production — Néotech Ingénierie"]),
    })
    return b.zip()


@samples.case(
    "valid-international.zip",
    "A candidate living in Belgium (country BE, Belgian national number) and one in "
    "Switzerland with an international number; phones are read with the country's region.",
    [],
)
def valid_international() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0007", 2)
    be = person(151, "Joséphine", "Lambert", "Mme", country="BE", city="Bruxelles",
                postal_code="1050", address="Rue du Bailli 12",
                phones=["0470 12 34 56", "02 555 12 34"])
    ch = person(152, "Timothée", "Saint-Aubin", "M", country="CH", city="Lausanne",
                postal_code="1003", address="Avenue de la Gare 7",
                phones=["+41 21 555 12 34"])
    add_candidate(b, be)
    add_candidate(b, ch)
    return b.zip()


@samples.case(
    "valid-empty.zip",
    "A bundle with no candidate: only manifest.txt, candidate_count 0.",
    [],
)
def valid_empty() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0008", 0)
    return b.zip()


@samples.case(
    "valid-minimal-keys.zip",
    "Candidate files with only the required keys, in nested folders, with keys in mixed case "
    "('EXTERNAL_ID', 'Last_Name') and a comment between two lines.",
    [],
)
def valid_minimal_keys() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0009", 2)
    for number, first, last, civility in ((161, "Inès", "Benali", "Mme"),
                                          (162, "Gaël", "Hoarau", "M")):
        c = person(number, first, last, civility, jobs=1)
        cv_path = b.add(f"lot-1/cvs/{c.slug}.docx", cv_docx(c))
        lines = candidate_lines(c, cv_path, full=False,
                                skip=("civility", "email", "phone", "city", "position"))
        lines = [line.replace("external_id:", "EXTERNAL_ID:").replace("last_name:", "Last_Name:")
                 for line in lines]
        lines.insert(2, "# nom et prénom tels que saisis par le candidat")
        b.add(f"lot-1/candidats/{c.slug}.txt", render(lines))
    return b.zip()


@samples.case(
    "valid-streamed.zip",
    "Written by a streaming tool (Java ZipOutputStream): every member has flag bit 3, zero "
    "CRC and sizes in its local header and a data descriptor after its data. Not a header "
    "mismatch.",
    [],
)
def valid_streamed() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0010", 2)
    add_candidate(b, person(171, "Noémie", "Gaillard", "Mme"))
    add_candidate(b, person(172, "Aurélien", "Da Silva", "M"))
    return zipraw.build_zip([zipraw.streamed(m) for m in b.members()])


@samples.case(
    "valid-textbox-cv.zip",
    "A 'designer' CV whose whole text sits in two floating text boxes (wps:txbx, with the "
    "VML fallback copy): the body has no text of its own, yet the CV has text.",
    [],
)
def valid_textbox_cv() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0011", 1)
    c = person(181, "Héloïse", "Bonnet", "Mme", jobs=2)
    document = new_document()
    anchor = document.add_paragraph()
    side: list[Paragraph] = []
    main: list[Paragraph] = []
    for index, text in enumerate(cv_paragraphs(c)):
        (side if index < 3 else main).append(document.add_paragraph(text))
    add_text_box(anchor, side, 1)
    add_text_box(anchor, main, 2, cy=8147685)
    add_candidate(b, c, cv=to_bytes(document, Properties(title="", author=c.full_name)))
    return b.zip()


@samples.case(
    "valid-custom-fields.zip",
    "The site's custom fields as 'x-' keys: a salary, an availability written dd/mm/yyyy, a "
    "driving licence 'oui', and x-mobilite repeated (a custom key may repeat; its values "
    "are kept in order). Valid with or without conformance/site-profile.toml.",
    [],
)
def valid_custom_fields() -> bytes:
    b = Bundle()
    add_manifest(b, "PRH-20261120-0012", 2)
    add_candidate(b, person(191, "Solène", "Marchetti", "Mme", custom={
        "x-salaire": "45000", "x-disponibilite": "15/01/2027", "x-mobilite": ["PACA", "IDF"],
        "x-permis": "oui"}))
    add_candidate(b, person(192, "Yannick", "Le Floch", "M", custom={
        "x-salaire": "38 500", "x-disponibilite": "2027-03-01", "x-mobilite": ["Télétravail"],
        "x-permis": "non"}))
    return b.zip()
