"""Conformance cases on the documents: a .docx or .doc CV that is disguised,
corrupt, encrypted, macro-enabled, or loads or embeds foreign content."""

from __future__ import annotations

import io
import random
import struct
from functools import cache

from docx.shared import Cm

from . import ooxml
from .cases import Registry
from .cfb import Storage, build_cfb
from .cvdoc import CvLayout, cv_doc, cv_docx, cv_paragraphs
from .docxwriter import Properties, new_document, to_bytes
from .minimal import add_lines, candidate, cv, minimal_bundle
from .ooxml import DocxPackage, Relationships
from .otherdocs import ole_package, pdf, photo_png, rtf, scan_png
from .worddoc import build_doc

documents = Registry()
_NOWHERE = "http://192.0.2.15"  # TEST-NET-1: documentation address, never routed


@cache
def _full_cv(layout: CvLayout | None) -> bytes:
    return cv_docx(candidate(0), layout)


def _package(layout: CvLayout | None = None) -> DocxPackage:
    """The parts of the full CV (with theme and web settings, which some cases edit)."""
    return DocxPackage.from_bytes(_full_cv(layout))


def _with_cv(data: bytes, ext: str = "docx") -> bytes:
    return minimal_bundle(docs={0: data}, ext={0: ext}).zip()


def _insert_after(pkg: DocxPackage, anchor: str, name: str, data: bytes) -> None:
    items = list(pkg.parts.items())
    at = next(i for i, (n, _) in enumerate(items) if n == anchor) + 1
    items.insert(at, (name, data))
    pkg.parts = dict(items)


def _add_rel(pkg: DocxPackage, part: str, rel: str) -> None:
    end = b"</Relationships>"
    pkg.parts[part] = pkg.parts[part].replace(end, rel.encode() + end)


def _edit(pkg: DocxPackage, part: str, old: str, new: str) -> None:
    data = pkg.parts[part]
    if old.encode() not in data:
        raise ValueError(f"{old!r} not in {part}")
    pkg.parts[part] = data.replace(old.encode(), new.encode(), 1)


# --- Type mismatch, corruption, encryption ----------------------------------------------


@documents.case("error-doc-type-mismatch-rtf.zip", "The .doc CV is an RTF file.",
                ["DOC-TYPE-MISMATCH"])
def mismatch_rtf() -> bytes:
    return _with_cv(rtf(cv_paragraphs(candidate(0))), "doc")


@documents.case("error-doc-type-mismatch-pdf.zip", "The .doc CV is a PDF file.",
                ["DOC-TYPE-MISMATCH"])
def mismatch_pdf() -> bytes:
    c = candidate(0)
    return _with_cv(pdf(cv_paragraphs(c)[:12], f"CV {c.full_name}"), "doc")


@documents.case("error-doc-type-mismatch-docx-as-doc.zip",
                "The .doc CV is a .docx (OOXML package) renamed .doc.", ["DOC-TYPE-MISMATCH"])
def mismatch_docx_as_doc() -> bytes:
    return _with_cv(cv(0), "doc")


@documents.case("error-doc-type-mismatch-doc-as-docx.zip",
                "The .docx CV is a Word 97-2003 binary (.doc) renamed .docx.",
                ["DOC-TYPE-MISMATCH"])
def mismatch_doc_as_docx() -> bytes:
    return _with_cv(cv_doc(candidate(0)), "docx")


@documents.case("error-doc-type-mismatch-attachment.zip",
                "An attachment named .pdf is really a .docx.", ["DOC-TYPE-MISMATCH"])
def mismatch_attachment() -> bytes:
    b = minimal_bundle(edits={0: add_lines("attachment: pieces-jointes/lettre.pdf",
                                           after="cv_file")})
    b.add("pieces-jointes/lettre.pdf", cv(1))
    return b.zip()


@documents.case("error-doc-corrupt-xml.zip",
                "word/document.xml is cut in the middle of a tag (not well-formed).",
                ["DOC-CORRUPT"])
def corrupt_xml() -> bytes:
    pkg = _package()
    document = pkg.parts["word/document.xml"]
    pkg.parts["word/document.xml"] = document[: document.index(b"<w:tbl>") + 5]
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-corrupt-zip.zip",
                "The .docx is cut in half: a ZIP without its central directory.",
                ["DOC-CORRUPT"])
def corrupt_zip() -> bytes:
    data = cv(0)
    return _with_cv(data[: len(data) // 2])


@documents.case("error-doc-corrupt-no-document.zip",
                "A .docx package whose main part word/document.xml is missing.", ["DOC-CORRUPT"])
def corrupt_no_document() -> bytes:
    pkg = _package()
    del pkg.parts["word/document.xml"]
    del pkg.overrides["/word/document.xml"]
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-corrupt-doc.zip",
                "A .doc whose WordDocument stream does not start with a Word FIB (bad magic).",
                ["DOC-CORRUPT"])
def corrupt_doc() -> bytes:
    data = bytearray(cv_doc(candidate(0)))
    at = data.index(b"\xec\xa5\xc1\x00")
    data[at : at + 2] = b"\x00\x00"
    return _with_cv(bytes(data), "doc")


def _encrypted_ooxml(size: int) -> bytes:
    """An Office 'agile' encrypted package: EncryptionInfo, EncryptedPackage, \\x06DataSpaces."""
    rng = random.Random("encrypted-docx")
    info_xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<encryption xmlns='
        '"http://schemas.microsoft.com/office/2006/encryption" xmlns:p="http://schemas.microsoft'
        '.com/office/2006/keyEncryptor/password"><keyData saltSize="16" blockSize="16" '
        'keyBits="256" hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        'hashAlgorithm="SHA512" saltValue="Xq8oZ1lq2nH3dQmJ6kq1Vg=="/><keyEncryptors>'
        '<keyEncryptor uri="http://schemas.microsoft.com/office/2006/keyEncryptor/password">'
        '<p:encryptedKey spinCount="100000" saltSize="16" blockSize="16" keyBits="256" '
        'hashSize="64" cipherAlgorithm="AES" cipherChaining="ChainingModeCBC" '
        'hashAlgorithm="SHA512" saltValue="k3T2mXcZbq7nW0aP9rT8Ug=="/></keyEncryptor>'
        "</keyEncryptors></encryption>"
    )
    info = bytes.fromhex("0400040040000000") + info_xml.encode()
    padded = size + (-size % 16)
    package = size.to_bytes(8, "little") + rng.randbytes(padded)

    def utf16(text: str) -> bytes:
        raw = text.encode("utf-16-le")
        return len(raw).to_bytes(4, "little") + raw + bytes(-len(raw) % 4)

    version = utf16("Microsoft.Container.DataSpaces") + bytes.fromhex("010000000100000001000000")
    dataspaces = Storage(
        name="\x06DataSpaces",
        streams={"Version": version,
                 "DataSpaceMap": bytes.fromhex("0800000001000000") + utf16("EncryptedPackage")
                 + utf16("StrongEncryptionDataSpace")},
        storages={
            "DataSpaceInfo": Storage(streams={"StrongEncryptionDataSpace": bytes.fromhex(
                "0800000001000000") + utf16("StrongEncryptionTransform")}),
            "TransformInfo": Storage(storages={"StrongEncryptionTransform": Storage(
                streams={"\x06Primary": utf16("{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}")
                         + utf16("Microsoft.Container.EncryptionTransform")})}),
        },
    )
    root = Storage(streams={"EncryptionInfo": info, "EncryptedPackage": package},
                   storages={"\x06DataSpaces": dataspaces})
    return build_cfb(root)


@documents.case("error-doc-encrypted.zip",
                "A password-protected Word document: an OLE container with EncryptionInfo and "
                "EncryptedPackage streams, named .docx (as Word saves it).", ["DOC-ENCRYPTED"])
def encrypted_docx() -> bytes:
    return _with_cv(_encrypted_ooxml(len(cv(0))))


@documents.case("error-doc-encrypted-doc.zip",
                "A Word 97-2003 .doc with the fEncrypted flag set in its FIB (RC4 header in the "
                "table stream).", ["DOC-ENCRYPTED"])
def encrypted_doc() -> bytes:
    c = candidate(0)
    return _with_cv(build_doc(cv_paragraphs(c), title="CV", author=c.full_name, encrypted=True),
                    "doc")


# --- Active or foreign content --------------------------------------------------------------


def _vba_project() -> bytes:
    """A vbaProject.bin: PROJECT stream and a VBA storage with dir and a module."""
    project = (
        'ID="{5C2E6F1A-3B7D-4E8A-9C0F-1D2E3F4A5B6C}"\r\nDocument=ThisDocument/&H00000000\r\n'
        'Module=AutoOpen\r\nName="Project"\r\nHelpContextID="0"\r\nVersionCompatible32='
        '"393222000"\r\nCMG="0F0D0B"\r\n\r\n[Host Extender Info]\r\n&H00000001='
        "{3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n"
    ).encode("cp1252")
    module = b"\x01\x00\x00Attribute VB_Name = \"AutoOpen\"\r\nSub AutoOpen()\r\n" \
             b"    Shell \"cmd /c echo cvgen\"\r\nEnd Sub\r\n"
    vba = Storage(streams={"_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),
                           "dir": b"\x01" + module[:64], "AutoOpen": module,
                           "ThisDocument": bytes(64)})
    return build_cfb(Storage(streams={"PROJECT": project, "PROJECTwm": b"AutoOpen\0A\0u\0\0\0\0"},
                             storages={"VBA": vba}))


def _with_vba(pkg: DocxPackage) -> None:
    _add_rel(pkg, "word/_rels/document.xml.rels",
             f'<Relationship Id="rId90" Type="{ooxml.RT_VBA_PROJECT}" Target="vbaProject.bin"/>')
    pkg.defaults["bin"] = ooxml.CT_VBA_PROJECT
    vba_rels = Relationships()
    vba_rels.add(ooxml.RT_VBA_DATA, "vbaData.xml")
    _insert_after(pkg, "word/_rels/document.xml.rels", "word/vbaProject.bin", _vba_project())
    _insert_after(pkg, "word/vbaProject.bin", "word/_rels/vbaProject.bin.rels", vba_rels.xml())
    vba_data = (
        ooxml.XML_DECL + '<wne:vbaSuppData xmlns:wne="http://schemas.microsoft.com/office/word/'
        '2006/wordml"><wne:mcds><wne:mcd wne:macroName="PROJECT.AUTOOPEN.AUTOOPEN" '
        'wne:name="Project.AutoOpen.AutoOpen" wne:bEncrypt="00" wne:cmg="56"/></wne:mcds>'
        "</wne:vbaSuppData>"
    ).encode()
    pkg.add("word/vbaData.xml", vba_data, ooxml.CT_VBA_DATA)


@documents.case("error-doc-macro.zip",
                "A macro-enabled document (.docm renamed .docx): macroEnabled main content type, "
                "word/vbaProject.bin with an AutoOpen macro.", ["DOC-MACRO"])
def macro() -> bytes:
    pkg = _package()
    pkg.overrides["/word/document.xml"] = ooxml.CT_MAIN_MACRO
    _with_vba(pkg)
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-macro-vbaproject.zip",
                "A plain .docx content type, but a word/vbaProject.bin part related from the "
                "document.", ["DOC-MACRO"])
def macro_vbaproject() -> bytes:
    pkg = _package()
    _with_vba(pkg)
    return _with_cv(pkg.to_bytes())


def _with_doctype(part: str, doctype: str, entity_use: tuple[str, str] | None = None) -> bytes:
    pkg = _package()
    declaration = pkg.parts[part][: pkg.parts[part].index(b"?>") + 2].decode()
    _edit(pkg, part, declaration, declaration + doctype)
    if entity_use is not None:
        _edit(pkg, part, *entity_use)
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-dtd.zip",
                "document.xml declares an external entity (XXE: SYSTEM 'file:///etc/passwd') "
                "and uses it.", ["DOC-DTD"])
def dtd_xxe() -> bytes:
    return _with_doctype(
        "word/document.xml",
        '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        (">Profil</w:t>", ">Profil &xxe;</w:t>"),
    )


@documents.case("error-doc-dtd-entity.zip",
                "document.xml declares nested internal entities (a small 'billion laughs': "
                "1000 expansions) and uses them.", ["DOC-DTD"])
def dtd_entities() -> bytes:
    return _with_doctype(
        "word/document.xml",
        '<!DOCTYPE w:document [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;'
        '&c;">]>',
        (">Profil</w:t>", ">Profil &d;</w:t>"),
    )


@documents.case("error-doc-dtd-styles.zip",
                "word/styles.xml (not the main part) starts with a DOCTYPE.", ["DOC-DTD"])
def dtd_styles() -> bytes:
    return _with_doctype("word/styles.xml", "<!DOCTYPE w:styles>")


@documents.case("error-doc-external-rel.zip",
                "Remote template injection: settings.xml attaches a template related with "
                "TargetMode=\"External\" (http://192.0.2.15/modeles/CV-moderne.dotm).",
                ["DOC-EXTERNAL-REL"])
def external_template() -> bytes:
    pkg = _package()
    proof = '<w:proofState w:spelling="clean" w:grammar="clean"/>'
    _edit(pkg, "word/settings.xml", proof, proof + '<w:attachedTemplate r:id="rId1"/>')
    rels = Relationships()
    rels.add(ooxml.RT_ATTACHED_TEMPLATE, f"{_NOWHERE}/modeles/CV-moderne.dotm", external=True)
    _insert_after(pkg, "word/settings.xml", "word/_rels/settings.xml.rels", rels.xml())
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-external-rel-frame.zip",
                "webSettings.xml holds a frameset whose frame is an external relationship.",
                ["DOC-EXTERNAL-REL"])
def external_frame() -> bytes:
    pkg = _package()
    frameset = (
        '<w:frameset><w:framesetSplitbar><w:w w:val="60"/><w:color w:val="auto"/>'
        "<w:noBorder/></w:framesetSplitbar><w:frameset><w:frame><w:name w:val=\"1\"/>"
        '<w:sourceFileName r:id="rId1"/><w:linkedToFile/></w:frame></w:frameset></w:frameset>'
    )
    _edit(pkg, "word/webSettings.xml", "<w:allowPNG/>", frameset + "<w:allowPNG/>")
    rels = Relationships()
    rels.add(ooxml.RT_FRAME, f"{_NOWHERE}/cadre.docx", external=True)
    _insert_after(pkg, "word/webSettings.xml", "word/_rels/webSettings.xml.rels", rels.xml())
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-external-rel-image.zip",
                "A linked (not embedded) picture: the image relationship is external and the "
                "blip uses r:link.", ["DOC-EXTERNAL-REL"])
def external_image() -> bytes:
    pkg = _package(CvLayout(photo=photo_png("external")))
    del pkg.parts["word/media/image1.png"]
    _edit(pkg, "word/_rels/document.xml.rels", 'Target="media/image1.png"',
          f'Target="{_NOWHERE}/photos/dupont.png" TargetMode="External"')
    _edit(pkg, "word/document.xml", "r:embed=", "r:link=")
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-altchunk.zip",
                "The document imports word/afchunk.htm as an altChunk.", ["DOC-ALTCHUNK"])
def altchunk() -> bytes:
    pkg = _package()
    _edit(pkg, "word/document.xml", "<w:sectPr", '<w:altChunk r:id="rId91"/><w:sectPr')
    _add_rel(pkg, "word/_rels/document.xml.rels",
             f'<Relationship Id="rId91" Type="{ooxml.RT_AF_CHUNK}" Target="afchunk.htm"/>')
    html = ("<html><body><p>Références disponibles sur demande.</p></body></html>").encode()
    _insert_after(pkg, "word/document.xml", "word/afchunk.htm", html)
    pkg.defaults["htm"] = "text/html"
    return _with_cv(pkg.to_bytes())


#: A paragraph showing an embedded OLE object as an icon (``w:object`` holding an
#: ``o:OLEObject Type="Embed"``): python-docx has no API for it.
_OLE_ICON_PARAGRAPH = (
    '<w:p><w:r><w:t xml:space="preserve">Portfolio : </w:t></w:r><w:r><w:object '
    'w:dxaOrig="1520" w:dyaOrig="960"><v:shape id="_x0000_i1025" type="#_x0000_t75" '
    'style="width:76pt;height:48pt" o:ole=""><v:imagedata r:id="rId92" o:title=""/></v:shape>'
    '<o:OLEObject Type="Embed" ProgID="Package" ShapeID="_x0000_i1025" DrawAspect="Icon" '
    'ObjectID="_1795623401" r:id="rId93"/></w:object></w:r></w:p>'
)


@documents.case("warning-doc-embedded-object.zip",
                "The CV embeds an OLE 'Package' object (word/embeddings/oleObject1.bin) shown "
                "as an icon; the text is fine.", ["DOC-EMBEDDED-OBJECT"])
def embedded_object() -> bytes:
    pkg = _package()
    _edit(pkg, "word/document.xml", "<w:sectPr", _OLE_ICON_PARAGRAPH + "<w:sectPr")
    _add_rel(pkg, "word/_rels/document.xml.rels",
             f'<Relationship Id="rId92" Type="{ooxml.RT_IMAGE}" Target="media/image1.png"/>'
             f'<Relationship Id="rId93" Type="{ooxml.RT_OLE_OBJECT}" '
             'Target="embeddings/oleObject1.bin"/>')
    portfolio = pdf(["Portfolio", "Projets 2020-2026"], "Portfolio")
    _insert_after(pkg, "word/footer1.xml", "word/media/image1.png", photo_png("icon", 32, 32))
    _insert_after(pkg, "word/media/image1.png", "word/embeddings/oleObject1.bin",
                  ole_package("portfolio.pdf", portfolio))
    pkg.defaults["png"] = "image/png"
    pkg.defaults["bin"] = ooxml.CT_OLE_OBJECT
    return _with_cv(pkg.to_bytes())


_SCANNED = Properties(title="", author="Marie Dupont")


@documents.case("warning-doc-no-text.zip",
                "A scanned CV: the .docx holds one full-page picture and no text.",
                ["DOC-NO-TEXT"])
def no_text_scan() -> bytes:
    document = new_document()
    document.add_picture(io.BytesIO(scan_png("dupont-scan")), width=Cm(16), height=Cm(22.63))
    return _with_cv(to_bytes(document, _SCANNED))


@documents.case("warning-doc-no-text-empty.zip",
                "An empty .docx: three empty paragraphs.", ["DOC-NO-TEXT"])
def no_text_empty() -> bytes:
    document = new_document()
    for _ in range(3):
        document.add_paragraph()
    return _with_cv(to_bytes(document, _SCANNED))


@documents.case("warning-doc-text-failed.zip",
                "A .doc whose piece table points past the end of its WordDocument stream: the "
                "CV is kept, its text could not be read.", ["DOC-TEXT-FAILED"])
def text_failed() -> bytes:
    data = cv_doc(candidate(0))
    # The one piece descriptor: flags 0x0040, then FcCompressed (text at 0x0800, 8-bit).
    piece = struct.pack("<HI", 0x0040, 0x40000000 | 0x0800 * 2)
    assert data.count(piece) == 1
    far = struct.pack("<HI", 0x0040, 0x40000000 | 0x00F00000)  # far past the stream's end
    return _with_cv(data.replace(piece, far), "doc")


@documents.case("warning-doc-hidden-text.zip",
                "The CV hides a list of keywords in hidden text (w:vanish): left out of the "
                "search text, and noted.", ["DOC-HIDDEN-TEXT"])
def hidden_text() -> bytes:
    pkg = _package()
    hidden = ('<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>python java kubernetes sap '
              "excel</w:t></w:r></w:p>")
    _edit(pkg, "word/document.xml", "<w:sectPr", hidden + "<w:sectPr")
    return _with_cv(pkg.to_bytes())


@documents.case("warning-doc-external-local.zip",
                "An ordinary Word CV: settings.xml attaches the author's local template "
                "(file:///C:\\Users\\...\\Normal.dotm), which is reported, never followed.",
                ["DOC-EXTERNAL-LOCAL"])
def external_local_template() -> bytes:
    pkg = _package()
    proof = '<w:proofState w:spelling="clean" w:grammar="clean"/>'
    _edit(pkg, "word/settings.xml", proof, proof + '<w:attachedTemplate r:id="rId1"/>')
    rels = Relationships()
    rels.add(ooxml.RT_ATTACHED_TEMPLATE, "file:///C:\\Users\\marie\\AppData\\Roaming\\"
             "Microsoft\\Templates\\Normal.dotm", external=True)
    _insert_after(pkg, "word/settings.xml", "word/_rels/settings.xml.rels", rels.xml())
    return _with_cv(pkg.to_bytes())


@documents.case("error-doc-external-rel-doc-template.zip",
                "A .doc whose attached template (SttbfAssoc) is on a remote share "
                "(\\\\192.0.2.15\\modeles\\cv.dot).", ["DOC-EXTERNAL-REL"])
def external_doc_template() -> bytes:
    c = candidate(0)
    return _with_cv(build_doc(cv_paragraphs(c), template="\\\\192.0.2.15\\modeles\\cv.dot"),
                    "doc")


@documents.case("error-doc-external-rel-includetext.zip",
                "A .doc with an INCLUDETEXT field that loads a remote document.",
                ["DOC-EXTERNAL-REL"])
def external_doc_field() -> bytes:
    lines = cv_paragraphs(candidate(0))
    lines[1] += f' \x13 INCLUDETEXT "{_NOWHERE}/suite.doc" \x14\x15'
    return _with_cv(build_doc(lines), "doc")


@documents.case("error-doc-macro-doc.zip",
                "A .doc with a Macros storage holding a VBA project.", ["DOC-MACRO"])
def macro_doc() -> bytes:
    module = b"\x01\x00\x00Attribute VB_Name = \"AutoOpen\"\r\nSub AutoOpen()\r\nEnd Sub\r\n"
    vba = Storage("VBA", streams={"_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),
                                  "dir": b"\x01" + module[:64], "AutoOpen": module})
    macros = Storage("Macros", streams={"PROJECT": b'ID="{5C2E6F1A}"\r\nModule=AutoOpen\r\n'},
                     storages={"VBA": vba})
    return _with_cv(build_doc(cv_paragraphs(candidate(0)), storages={"Macros": macros}), "doc")


@documents.case("warning-doc-embedded-object-doc.zip",
                "A .doc that embeds an OLE object (ObjectPool/_1795623401).",
                ["DOC-EMBEDDED-OBJECT"])
def embedded_object_doc() -> bytes:
    portfolio = pdf(["Portfolio", "Projets 2020-2026"], "Portfolio")
    pool = Storage("ObjectPool", storages={"_1795623401": Storage(
        "_1795623401", streams={"\x01Ole10Native": len(portfolio).to_bytes(4, "little")
                                + portfolio})})
    return _with_cv(build_doc(cv_paragraphs(candidate(0)), storages={"ObjectPool": pool}),
                    "doc")
