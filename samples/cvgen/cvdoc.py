"""A candidate's CV as a Word document (.docx, or legacy .doc), and a cover letter.

The .docx is written with python-docx (:mod:`.docxwriter`) and carries what real CVs
carry: heading and title styles, a header and a footer with a PAGE field, bullet lists
(List Bullet), tables for skills and languages, tabs and line breaks inside runs, and
optionally a photo, a floating text box and a hyperlink to the candidate's profile.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from docx.document import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.shared import Cm, Pt, RGBColor

from .docxwriter import (
    Properties,
    add_hyperlink,
    add_page_field,
    add_runs,
    add_text_box,
    new_document,
    to_bytes,
)
from .people import Candidate
from .worddoc import build_doc

ACCENT = RGBColor(0x2F, 0x54, 0x96)
GREY = RGBColor(0x59, 0x59, 0x59)
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


def _period(start: int, end: int | None) -> str:
    return f"{start} {EN_DASH} {end if end is not None else 'aujourd' + APOSTROPHE + 'hui'}"


def cv_paragraphs(c: Candidate) -> list[str]:
    """The CV as plain paragraphs ('\\t' tab, '\\n' line break): the .doc text."""
    out = [
        c.full_name,
        c.position,
        _contact(c),
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


def _contact(c: Candidate) -> str:
    return f"{c.address}\n{c.postal_code} {c.city}\nTél. : {c.phones[0]}\tE-mail : {c.email}"


def _title(document: Document, c: Candidate, layout: CvLayout) -> None:
    title = document.add_paragraph(style="Title")
    add_runs(title, c.first_name + " ")
    add_runs(title, c.last_name.upper())
    if layout.text_box:
        heading = document.add_paragraph()
        add_runs(heading, "En bref", bold=True, color=ACCENT)
        heading.paragraph_format.space_after = Pt(3)
        facts = document.add_paragraph(f"Disponible le {c.availability}\nExpérience : "
                                       f"{c.experience_years} ans\tRéf. {c.job_ref}")
        add_text_box(title, [heading, facts], 2)


def _table(document: Document, rows: list[list[str]], widths: list[Cm]) -> None:
    """A 'Table Grid' table whose first row (the column titles) is bold."""
    table = document.add_table(rows=len(rows), cols=len(widths))
    table.style = "Table Grid"
    for index, (row, values) in enumerate(zip(table.rows, rows, strict=True)):
        for cell, width, value in zip(row.cells, widths, values, strict=True):
            cell.width = width
            add_runs(cell.paragraphs[0], value, bold=index == 0)


def _body(document: Document, c: Candidate, layout: CvLayout) -> None:
    if layout.photo is not None:
        photo = document.add_paragraph()
        photo.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        photo.add_run().add_picture(io.BytesIO(layout.photo), width=Cm(3), height=Cm(4))
    _title(document, c, layout)
    document.add_paragraph(c.position, style="Subtitle")
    contact = document.add_paragraph(_contact(c))
    contact.paragraph_format.tab_stops.add_tab_stop(Cm(8))
    if layout.hyperlink:
        profile = document.add_paragraph("Profil : ")
        add_hyperlink(profile, c.linkedin, c.linkedin.removeprefix("https://www."))
    document.add_heading("Profil", level=1)
    document.add_paragraph(c.summary.replace("\n", " "))
    document.add_heading("Expérience professionnelle", level=1)
    for job in c.jobs:
        heading = document.add_heading(f"{job.title} — ", level=2)
        add_runs(heading, job.company, bold=True)
        period = document.add_paragraph()
        period.paragraph_format.tab_stops.add_tab_stop(Cm(16), WD_TAB_ALIGNMENT.RIGHT)
        add_runs(period, f"{_period(job.start, job.end)}\t{job.city}", italic=True, color=GREY)
        for duty in job.duties:
            document.add_paragraph(duty, style="List Bullet")
    document.add_heading("Formation", level=1)
    for degree in c.degrees:
        line = document.add_paragraph()
        line.paragraph_format.tab_stops.add_tab_stop(Cm(2))
        add_runs(line, str(degree.year), bold=True)
        add_runs(line, f"\t{degree.title}, {degree.school}")
    document.add_heading("Compétences", level=1)
    _table(document, [["Compétence", "Niveau"]] + [[skill, level] for skill, level in c.skills],
           [Cm(10), Cm(6)])
    document.add_heading("Langues", level=1)
    _table(document, [["Langue et niveau"]] + [[lang] for lang in c.languages], [Cm(16)])
    document.add_heading("Centres d'intérêt", level=1)
    document.add_paragraph(", ".join(c.interests).capitalize() + ".")


def _header_and_footer(document: Document, header: str, footer: str) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = header
    section.header.paragraphs[0].style = "Header"
    page = section.footer.paragraphs[0]
    page.style = "Footer"
    page.add_run(footer + "\tPage ")
    add_page_field(page)


def cv_docx(c: Candidate, layout: CvLayout | None = None) -> bytes:
    layout = layout or CvLayout()
    document = new_document(lean=layout.lean)
    _body(document, c, layout)
    _header_and_footer(document, f"{c.full_name}\t\tCurriculum vitae",
                       f"{c.email} {EN_DASH} {c.phones[0]}")
    return to_bytes(document, Properties(title=f"CV {c.full_name}", author=c.full_name))


def simple_docx(paragraphs: list[str], *, title: str, author: str) -> bytes:
    """A plain one-page document (letters), Normal style, no header."""
    document = new_document()
    for text in paragraphs:
        document.add_paragraph(text)
    return to_bytes(document, Properties(title=title, author=author))


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
    return simple_docx(cover_letter_paragraphs(c), title="Lettre de motivation",
                       author=c.full_name)
