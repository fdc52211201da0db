"""Regenerate the corpus of real Word documents (tests/corpus/word/): LibreOffice writes them.

Needs LibreOffice (Debian's libreoffice-writer-nogui: ``soffice``); the tests only read the
committed output. Run from the repository root::

    .venv/bin/python tests/corpus/word/regenerate.py

What it writes, from seeded, varied CV content (tables, headers and footers, text boxes,
footnotes, lists, accents, right-to-left and CJK paragraphs) authored as flat ODF:

- ``doc/NAME.doc``: LibreOffice's "MS Word 97" export (Word 97-2003);
- ``docx/NAME.docx``: its "MS Word 2007 XML" export (Transitional);
- ``strict/NAME.docx``: the same package with every Transitional namespace and
  relationship type replaced by its Strict counterpart (LibreOffice writes no Strict);
- ``word6/NAME.doc``: Word 6.0/95 files crafted from the FIB layout
  (samples/cvgen/worddoc.py), which LibreOffice must read back;
- ``rtf/NAME.doc``: an RTF file saved under a .doc name, the vendor mistake;
- ``expected/KIND-NAME.txt``: the reference text of each, LibreOffice's own text export
  of that very file plus what the text export leaves out: headers, footers, footnotes and
  text boxes (taken from the source).
"""

from __future__ import annotations

import io
import json
import random
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "samples"))

from cvgen.worddoc import build_word6_doc  # noqa: E402

FIRST = ["Hélène", "Jérôme", "Zoë", "François", "Anaïs", "Loïc", "Maëlle", "Théo", "Inès",
         "Cédric", "Noémie", "Gaëtan", "Bérénice", "Aurélien", "Cécile", "Rémi"]
LAST = ["Dupré-Lefèvre", "Müller", "Ñúñez", "Lefèbvre", "Château", "Gérard", "Œuvray",
        "Bézier", "N'Diaye", "Laïdi", "Morvan", "Da Silva", "Quéré", "Périgord"]
CITIES = ["Toulouse", "Besançon", "Saint-Étienne", "Orléans", "Nîmes", "Aix-en-Provence",
          "Clermont-Ferrand", "Bordeaux", "Montréal", "Genève"]
JOBS = ["Ingénieure logiciel", "Chef de projet", "Développeur Python", "Comptable",
        "Responsable qualité", "Technicienne de maintenance", "Chargée de recrutement",
        "Architecte réseau", "Pâtissier", "Infirmière"]
COMPANIES = ["Société Générale", "Airbus", "Crédit Agricole", "Dassault Systèmes",
             "L'Oréal", "Michelin", "Décathlon", "Thalès", "Capgemini", "Orange"]
SKILLS = ["Python", "SQL", "gestion d'équipe", "anglais courant", "SAP", "Excel avancé",
          "Kubernetes", "comptabilité analytique", "soudure TIG", "négociation",
          "éducation thérapeutique", "AutoCAD", "Scrum", "C++", "allemand", "Rust"]
SENTENCES = [
    "Conception et déploiement d'une plateforme de paiement à haute disponibilité.",
    "Encadrement d'une équipe de sept personnes réparties entre Lyon et Montréal.",
    "Réduction de 30 % des délais de livraison grâce à l'automatisation des tests.",
    "Mise en œuvre de la norme ISO 9001 et préparation des audits de certification.",
    "Rédaction des spécifications fonctionnelles avec les maîtres d'ouvrage.",
    "Migration de l'infrastructure vers un cloud privé, sans interruption de service.",
    "Formation des nouveaux arrivants et animation d'ateliers hebdomadaires.",
    "Suivi budgétaire mensuel, clôtures trimestrielles et reporting consolidé.",
    "Élaboration de pièces montées pour des réceptions de plus de deux cents invités.",
    "Coordination des soins en service de réanimation, gardes de nuit comprises.",
]
RTL = ["مهندسة برمجيات في تولوز، خبرة عشر سنوات", "מהנדסת תוכנה עם ניסיון של עשר שנים"]
CJK = ["软件工程师，十年经验，熟悉数据库设计",  # noqa: RUF001 (Chinese commas, on purpose)
       "ソフトウェアエンジニア、東京で五年間勤務", "소프트웨어 엔지니어, 서울 근무 5년"]


@dataclass
class Source:
    name: str
    header: str
    footer: str
    body: list[str] = field(default_factory=list)  # flat ODF body elements
    # Text LibreOffice's text export leaves out: footnotes and text boxes.
    unexported: list[str] = field(default_factory=list)


def _p(text: str, style: str | None = None) -> str:
    attr = f' text:style-name="{style}"' if style else ""
    return f"<text:p{attr}>{escape(text)}</text:p>"


def _source(index: int, rng: random.Random) -> Source:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, job = rng.choice(CITIES), rng.choice(JOBS)
    src = Source(f"cv{index:02d}", f"{first} {last} — curriculum vitæ",
                 f"{city} · page 1 · confidentiel")
    body = src.body
    body.append(f'<text:h text:outline-level="1">{escape(first)} {escape(last)}</text:h>')
    body.append(_p(f"{job}, {rng.randint(2, 25)} ans d'expérience, basée à {city}."))
    features = {"table", "list", "note", "box", "rtl", "cjk"}
    chosen = {f for f in features if rng.random() < 0.6} | ({"table"} if index % 3 == 0 else set())
    for block in range(rng.randint(2, 4)):
        company = rng.choice(COMPANIES)
        body.append(f'<text:h text:outline-level="2">{escape(company)}, '
                    f"{2000 + block * 4}\u2013{2004 + block * 4}</text:h>")
        for sentence in rng.sample(SENTENCES, rng.randint(1, 3)):
            body.append(_p(sentence))
    if "list" in chosen:
        items = "".join(f"<text:list-item>{_p(s)}</text:list-item>"
                        for s in rng.sample(SKILLS, 4))
        body.append(f'<text:list text:style-name="L1">{items}</text:list>')
    if "table" in chosen:
        rows = "".join(
            "<table:table-row>" + "".join(
                f'<table:table-cell office:value-type="string">{_p(c)}</table:table-cell>'
                for c in (str(2010 + r), rng.choice(COMPANIES), rng.choice(SKILLS))
            ) + "</table:table-row>" for r in range(3))
        body.append('<table:table table:name="Parcours"><table:table-column '
                    f'table:number-columns-repeated="3"/>{rows}</table:table>')
    if "note" in chosen:
        src.unexported.append("Obtenu avec mention très bien à " + city + ".")
        body.append(f"<text:p>Diplôme d'ingénieur<text:note text:id=\"n{index}\" "
                    'text:note-class="footnote"><text:note-citation>1</text:note-citation>'
                    f"<text:note-body>{_p('Obtenu avec mention très bien à ' + city + '.')}"
                    "</text:note-body></text:note> en 2009.</text:p>")
    if "box" in chosen:
        src.unexported.append("Disponible immédiatement, permis B, mobilité " + city + ".")
        body.append('<text:p><draw:frame draw:name="Encadré" text:anchor-type="paragraph" '
                    'svg:width="8cm" draw:z-index="0"><draw:text-box fo:min-height="1.5cm">'
                    f"{_p('Disponible immédiatement, permis B, mobilité ' + city + '.')}"
                    "</draw:text-box></draw:frame>Centres d'intérêt : randonnée, échecs.</text:p>")
    if "rtl" in chosen:
        body.append(_p(rng.choice(RTL), "RTL"))
    if "cjk" in chosen:
        body.append(_p(rng.choice(CJK)))
    body.append(_p(f"Références : {rng.choice(FIRST)} {rng.choice(LAST)}, "
                   f"{first.lower()}.{index}@exemple.fr"))
    return src


_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:automatic-styles>
<style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm"
 fo:page-height="29.7cm" fo:margin="2cm"/><style:header-style/><style:footer-style/>
</style:page-layout>
<style:style style:name="RTL" style:family="paragraph"><style:paragraph-properties
 style:writing-mode="rl-tb" fo:text-align="end"/></style:style>
</office:automatic-styles>
<office:master-styles><style:master-page style:name="Standard" style:page-layout-name="pm1">
<style:header>{header}</style:header><style:footer>{footer}</style:footer>
</style:master-page></office:master-styles>
<office:body><office:text>{body}</office:text></office:body></office:document>
"""


def _fodt(src: Source) -> str:
    return _FODT.format(header=_p(src.header), footer=_p(src.footer), body="".join(src.body))


def _soffice(target: str, outdir: Path, files: list[Path]) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                        "--convert-to", target, "--outdir", str(outdir), *map(str, files)],
                       check=True, capture_output=True, timeout=900)


_STRICT = [
    (b"http://schemas.openxmlformats.org/wordprocessingml/2006/main",
     b"http://purl.oclc.org/ooxml/wordprocessingml/main"),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
     b"http://purl.oclc.org/ooxml/officeDocument/relationships"),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/math",
     b"http://purl.oclc.org/ooxml/officeDocument/math"),
    (b"http://schemas.openxmlformats.org/drawingml/2006/main",
     b"http://purl.oclc.org/ooxml/drawingml/main"),
    (b"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
     b"http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing"),
    (b"http://schemas.openxmlformats.org/drawingml/2006/picture",
     b"http://purl.oclc.org/ooxml/drawingml/picture"),
]


def strict_docx(transitional: bytes) -> bytes:
    """The package with Strict namespaces and relationship types (ISO/IEC 29500-1 Strict)
    in every XML part; the .rels namespace itself is the same in both."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(transitional)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith((".xml", ".rels")):
                for old, new in _STRICT:
                    data = data.replace(old, new)
                if info.filename == "word/document.xml":
                    data = data.replace(b"<w:document ", b'<w:document w:conformance="strict" ', 1)
            dst.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _word6_sources(rng: random.Random) -> dict[str, tuple[list[str], list[str], int]]:
    """Word 6/95 files: paragraphs of body, of headers and footers, and the FIB identifier."""
    out = {}
    for index, ident in enumerate((0xA5DC, 0xA5DC, 0xA699, 0xA5DC, 0xA699, 0xA5DC)):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        body = [f"{first} {last}", rng.choice(JOBS) + " à " + rng.choice(CITIES),
                *rng.sample(SENTENCES, 3), "Compétences : " + ", ".join(rng.sample(SKILLS, 4))]
        out[f"w6cv{index:02d}"] = (body, [f"{first} {last} — CV", "page 1"], ident)
    return out


def _lo_text(path: Path) -> str:
    with tempfile.TemporaryDirectory() as tmp:
        _soffice("txt:Text (encoded):UTF8", Path(tmp), [path])
        return (Path(tmp) / (path.stem + ".txt")).read_text(encoding="utf-8-sig")


def main() -> int:
    if shutil.which("soffice") is None:
        print("soffice (LibreOffice) is needed to regenerate the corpus", file=sys.stderr)
        return 1
    rng = random.Random(20240612)
    sources = [_source(i, rng) for i in range(30)]
    for folder in ("doc", "docx", "strict", "word6", "rtf", "expected"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
        (HERE / folder).mkdir()
    extra: dict[str, str] = {}  # reference name -> header and footer text
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        fodts = []
        for src in sources:
            path = work / f"{src.name}.fodt"
            path.write_text(_fodt(src), encoding="utf-8")
            fodts.append(path)
            extra[src.name] = "\n".join([src.header, src.footer, *src.unexported])
        _soffice("doc:MS Word 97", HERE / "doc", fodts)
        _soffice("docx:MS Word 2007 XML", HERE / "docx", fodts)
        _soffice("rtf", work, fodts[:2])
        for rtf in sorted(work.glob("*.rtf")):
            shutil.copy(rtf, HERE / "rtf" / f"{rtf.stem}.doc")
    for docx in sorted((HERE / "docx").glob("*.docx")):
        (HERE / "strict" / docx.name).write_bytes(strict_docx(docx.read_bytes()))
    for name, (body, header, ident) in _word6_sources(rng).items():
        (HERE / "word6" / f"{name}.doc").write_bytes(
            build_word6_doc(body, headers=header, ident=ident))
        extra[name] = "\n".join(header)
    references: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        texts = Path(tmp)
        for kind in ("doc", "docx", "word6"):
            files = sorted((HERE / kind).iterdir())
            _soffice("txt:Text (encoded):UTF8", texts / kind, files)
            for path in files:
                text = (texts / kind / f"{path.stem}.txt").read_text(encoding="utf-8-sig")
                if not text.strip():
                    raise SystemExit(f"LibreOffice reads no text from {kind}/{path.name}")
                # The export writes a footnote's number into the text; it is no word of it.
                text = text.replace("ingénieur1 en", "ingénieur en")
                references[f"{kind}-{path.stem}"] = f"{text}\n{extra[path.stem]}\n"
    for name, text in sorted(references.items()):
        (HERE / "expected" / f"{name}.txt").write_text(text, encoding="utf-8")
    # Strict files share their Transitional twin's reference.
    manifest = {"strict": "the reference of docx/NAME.docx",
                "files": sorted(str(p.relative_to(HERE)) for p in HERE.glob("*/*")
                                if p.parent.name != "expected")}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
