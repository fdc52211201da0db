"""A candidate's CV as a Word document (.docx, or legacy .doc), and a cover letter.

The .docx carries what real CVs carry: heading and title styles, a header and a
footer with a PAGE field, bullet lists, tables for skills and languages, tabs
and line breaks inside runs, and optionally a photo, a floating text box and a
hyperlink to the candidate's profile.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import ooxml, wordml
from .ooxml import DocxPackage, Relationships
from .people import Candidate
from .worddoc import build_doc

EMU_PER_CM = 360000
EN_DASH = "\u2013"
APOSTROPHE = "\u2019"


@dataclass(frozen=True)
class CvLayout:
    photo: bytes | None = None
    text_box: bool = False
    hyperlink: bool = False
    #: Leave out the theme, web settings and font table (parts Word writes but a reader
    #: does not need): keeps the conformance corpus small.
    lean: bool = False


def _rsids(key: str, count: int = 6) -> list[str]:
    rng = random.Random(key)
    return sorted(f"00{rng.getrandbits(24):06X}" for _ in range(count))


def _period(start: int, end: int | None) -> str:
    return f"{start} {EN_DASH} {end if end is not None else 'aujourd' + APOSTROPHE + 'hui'}"


def cv_paragraphs(c: Candidate) -> list[str]:
    """The CV as plain paragraphs ('\\t' tab, '\\n' line break): the .doc text."""
    out = [
        c.full_name,
        c.position,
        f"{c.address}\n{c.postal_code} {c.city}\nTél. : {c.phones[0]}\tE-mail : {c.email}",
        "Profil",
        c.summary.replace("\n", " "),
        "Expérience professionnelle",
    ]
    for job in c.jobs:
        out.append(f"{job.title} — {job.company}")
        out.append(f"{_period(job.start, job.end)}\t{job.city}")
        out.extend(job.duties)
    out.append("Formation")
    out.extend(f"{d.year}\t{d.title}, {d.school}" for d in c.degrees)
    out.append("Compétences")
    out.extend(f"{skill}\t{level}" for skill, level in c.skills)
    out.append("Langues")
    out.extend(c.languages)
    out.append("Centres d'intérêt")
    out.append(", ".join(c.interests).capitalize() + ".")
    return out


def cv_doc(c: Candidate) -> bytes:
    """The CV as a Word 97-2003 binary document."""
    return build_doc(cv_paragraphs(c), title=f"CV {c.full_name}", author=c.full_name)


def _body(c: Candidate, rels: Relationships, layout: CvLayout, rsid: str) -> str:
    p = wordml.paragraph
    r = wordml.run
    parts: list[str] = []
    if layout.photo is not None:
        rid = rels.add(ooxml.RT_IMAGE, "media/image1.png")
        image = wordml.inline_image(rid, 3 * EMU_PER_CM, 4 * EMU_PER_CM, 1, "photo.png")
        parts.append(p([image], align="right", rsid=rsid))
    title_runs = [r(c.first_name + " "), r(c.last_name.upper())]
    if layout.text_box:
        box = p(
            [r("En bref", bold=True, color="2F5496")], rsid=rsid, space_after=60
        ) + p(
            [r(f"Disponible le {c.availability}\nExpérience : {c.experience_years} ans\t"
               f"Réf. {c.job_ref}")],
            rsid=rsid,
        )
        title_runs.append(wordml.text_box(box, 2))
    parts.append(p(title_runs, style="Titre", rsid=rsid))
    parts.append(p(c.position, style="Sous-titre", rsid=rsid))
    contact = f"{c.address}\n{c.postal_code} {c.city}\nTél. : {c.phones[0]}\tE-mail : {c.email}"
    parts.append(p([r(contact)], tabs=[("left", 4536)], rsid=rsid))
    if layout.hyperlink:
        rid = rels.add(ooxml.RT_HYPERLINK, c.linkedin, external=True)
        label = c.linkedin.removeprefix("https://www.")
        parts.append(p([r("Profil : "), wordml.hyperlink(rid, label)], rsid=rsid))
    parts.append(p("Profil", style="Titre1", rsid=rsid))
    parts.append(p(c.summary.replace("\n", " "), rsid=rsid))
    parts.append(p("Expérience professionnelle", style="Titre1", rsid=rsid))
    for job in c.jobs:
        parts.append(p([r(f"{job.title} — "), r(job.company, bold=True)], style="Titre2",
                       rsid=rsid))
        parts.append(p([r(f"{_period(job.start, job.end)}\t{job.city}", italic=True,
                          color="595959")], tabs=[("right", 9072)], rsid=rsid))
        parts.extend(p(duty, style="Paragraphedeliste", bullet=True, rsid=rsid)
                     for duty in job.duties)
    parts.append(p("Formation", style="Titre1", rsid=rsid))
    for degree in c.degrees:
        parts.append(p([r(str(degree.year), bold=True), r(f"\t{degree.title}, {degree.school}")],
                       tabs=[("left", 1134)], rsid=rsid))
    parts.append(p("Compétences", style="Titre1", rsid=rsid))
    rows = [["Compétence", "Niveau"]] + [[skill, level] for skill, level in c.skills]
    parts.append(wordml.table(rows, [5670, 3402]))
    parts.append(p("Langues", style="Titre1", rsid=rsid))
    parts.append(wordml.table([["Langue et niveau"]] + [[lang] for lang in c.languages], [9072]))
    parts.append(p("Centres d'intérêt", style="Titre1", rsid=rsid))
    parts.append(p(", ".join(c.interests).capitalize() + ".", rsid=rsid))
    return "".join(parts)


def base_package(
    *,
    body: str,
    rels: Relationships,
    title: str,
    author: str,
    header_text: str | None,
    footer_text: str | None,
    rsids: list[str],
    text_for_counts: list[str],
    created: str = "2026-11-02T09:14:00Z",
    modified: str = "2026-11-17T18:03:00Z",
    lean: bool = False,
) -> DocxPackage:
    """Assemble a Word-like package around a body. ``rels`` already holds the body's own
    relationships; the fixed ones (styles, settings, header, ...) are added here."""
    pkg = DocxPackage()
    rid_header = rid_footer = None
    fixed = Relationships()
    fixed.add(ooxml.RT_STYLES, "styles.xml")
    fixed.add(ooxml.RT_SETTINGS, "settings.xml")
    if not lean:
        fixed.add(ooxml.RT_WEB_SETTINGS, "webSettings.xml")
        fixed.add(ooxml.RT_FONT_TABLE, "fontTable.xml")
        fixed.add(ooxml.RT_THEME, "theme/theme1.xml")
    fixed.add(ooxml.RT_NUMBERING, "numbering.xml")
    if header_text is not None:
        rid_header = fixed.add(ooxml.RT_HEADER, "header1.xml")
    if footer_text is not None:
        rid_footer = fixed.add(ooxml.RT_FOOTER, "footer1.xml")
    for _, rel_type, target, external in rels.items:
        fixed.add(rel_type, target, external=external, rid=f"rId{len(fixed.items) + 1}")
    # The body was written with rels' own ids; renumber them after the fixed ones.
    offset = len(fixed.items) - len(rels.items)
    for index in range(len(rels.items), 0, -1):
        body = body.replace(f'r:id="rId{index}"', f'r:id="rId{index + offset}"')
        body = body.replace(f'r:embed="rId{index}"', f'r:embed="rId{index + offset}"')

    root = Relationships()
    root.add(ooxml.RT_OFFICE_DOCUMENT, "word/document.xml")
    root.add(ooxml.RT_CORE, "docProps/core.xml")
    root.add(ooxml.RT_EXTENDED, "docProps/app.xml")
    pkg.add("_rels/.rels", root.xml())
    sect = wordml.sect_pr(rid_header, rid_footer, rsids[0])
    pkg.add("word/document.xml", wordml.document(body, sect), ooxml.CT_MAIN)
    pkg.add("word/_rels/document.xml.rels", fixed.xml())
    p = wordml.paragraph
    if header_text is not None:
        pkg.add("word/header1.xml", wordml.header(p(header_text, style="En-tte", rsid=rsids[0])),
                ooxml.CT_HEADER)
    if footer_text is not None:
        runs = [wordml.run(footer_text + "\tPage "), wordml.page_field()]
        pkg.add("word/footer1.xml", wordml.footer(p(runs, style="Pieddepage", rsid=rsids[0])),
                ooxml.CT_FOOTER)
    if not lean:
        pkg.add("word/theme/theme1.xml", ooxml.theme_xml(), ooxml.CT_THEME)
    pkg.add("word/settings.xml", ooxml.settings_xml(rsids), ooxml.CT_SETTINGS)
    pkg.add("word/numbering.xml", ooxml.numbering_xml(), ooxml.CT_NUMBERING)
    pkg.add("word/styles.xml", ooxml.styles_xml(), ooxml.CT_STYLES)
    if not lean:
        pkg.add("word/webSettings.xml", ooxml.web_settings_xml(), ooxml.CT_WEB_SETTINGS)
        pkg.add("word/fontTable.xml", ooxml.font_table_xml(), ooxml.CT_FONT_TABLE)
    pkg.add("docProps/core.xml", ooxml.core_xml(title, author, created, modified, 3),
            ooxml.CT_CORE)
    words = sum(len(t.split()) for t in text_for_counts)
    chars = sum(len(t.replace(" ", "")) for t in text_for_counts)
    pkg.add("docProps/app.xml", ooxml.app_xml(words, chars, len(text_for_counts)),
            ooxml.CT_EXTENDED)
    return pkg


def cv_package(c: Candidate, layout: CvLayout | None = None) -> DocxPackage:
    layout = layout or CvLayout()
    rsids = _rsids(c.external_id)
    rels = Relationships()
    body = _body(c, rels, layout, rsids[1])
    pkg = base_package(
        body=body,
        rels=rels,
        title=f"CV {c.full_name}",
        author=c.full_name,
        header_text=f"{c.full_name}\t\tCurriculum vitae",
        footer_text=f"{c.email} {EN_DASH} {c.phones[0]}",
        rsids=rsids,
        text_for_counts=cv_paragraphs(c),
        lean=layout.lean,
    )
    if layout.photo is not None:
        pkg.parts["word/media/image1.png"] = layout.photo
        pkg.defaults["png"] = "image/png"
        _move_after(pkg, "word/media/image1.png", "word/footer1.xml")
    return pkg


def _move_after(pkg: DocxPackage, name: str, anchor: str) -> None:
    """Word zips media right after the header and footer parts."""
    items = list(pkg.parts.items())
    moved = next(item for item in items if item[0] == name)
    items.remove(moved)
    at = next(i for i, (n, _) in enumerate(items) if n == anchor) + 1
    items.insert(at, moved)
    pkg.parts = dict(items)


def cv_docx(c: Candidate, layout: CvLayout | None = None) -> bytes:
    return cv_package(c, layout).to_bytes()


def simple_package(paragraphs: list[str], *, title: str, author: str, key: str) -> DocxPackage:
    """A plain one-page document (letters, minimal CVs), Normal style, no header."""
    rsids = _rsids(key)
    body = "".join(wordml.paragraph(t, rsid=rsids[1]) for t in paragraphs)
    return base_package(
        body=body,
        rels=Relationships(),
        title=title,
        author=author,
        header_text=None,
        footer_text=None,
        rsids=rsids,
        text_for_counts=paragraphs,
    )


def cover_letter_paragraphs(c: Candidate) -> list[str]:
    return [
        f"{c.full_name}\n{c.address}\n{c.postal_code} {c.city}",
        f"{c.city}, le 12 novembre 2026",
        f"Objet : candidature au poste de {c.position} (réf. {c.job_ref})",
        "Madame, Monsieur,",
        f"Forte d'une expérience de {c.experience_years} ans, je souhaite mettre mes compétences "
        "au service de votre entreprise. Rigueur, sens du service et goût du travail en équipe "
        "sont les qualités que mes employeurs successifs ont relevées."
        if c.civility == "Mme"
        else f"Fort d'une expérience de {c.experience_years} ans, je souhaite mettre mes "
        "compétences au service de votre entreprise. Rigueur, sens du service et goût du travail "
        "en équipe sont les qualités que mes employeurs successifs ont relevées.",
        "Je me tiens à votre disposition pour un entretien et vous prie d'agréer, Madame, "
        "Monsieur, l'expression de mes salutations distinguées.",
        c.full_name,
    ]


def cover_letter_docx(c: Candidate) -> bytes:
    return simple_package(
        cover_letter_paragraphs(c),
        title="Lettre de motivation",
        author=c.full_name,
        key=c.external_id + "/lettre",
    ).to_bytes()
