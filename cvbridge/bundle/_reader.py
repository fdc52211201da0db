"""Read a bundle: structure, manifest, candidates, references and documents, in one pass.

Nothing is extracted to disk. Every problem becomes a finding; the bundle model holds what
could be read, and each candidate says whether it is accepted.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, cast

from cvbridge._errors import BundleAccessError
from cvbridge._i18n import _
from cvbridge.bundle._archive import (
    ArchiveCaps,
    CheckedArchive,
    Member,
    MemberReadError,
    open_checked_archive,
)
from cvbridge.bundle._documents import DocumentCheck, DocumentChecker
from cvbridge.bundle._forked_checks import (
    MIN_SPLIT_CANDIDATES,
    CheckKey,
    CheckResult,
    SplitChecks,
    start_split,
)
from cvbridge.bundle._keys import (
    KeyedEntries,
    checked_value,
    custom_text,
    group_entries,
    value_text,
)
from cvbridge.bundle._model import (
    Bundle,
    Candidate,
    DocumentInfo,
    DocumentRole,
    Manifest,
    MemberSlice,
)
from cvbridge.bundle._paths import clash_key, common_top_folder
from cvbridge.bundle._profile import Profile, check_custom
from cvbridge.bundle._report import FindingsCollector, Report
from cvbridge.bundle._schema import FormatSpec, Limits, load_spec
from cvbridge.bundle._textfile import Entry, decode_text, parse_entries
from cvbridge.bundle._values import parse_format, parse_phone

_HASH_CHUNK = 1 << 20
_TEXT_SUFFIX = ".txt"
_DEFAULT_ENCODING = "utf-8"
_ENCODING_KEY = "encoding"
# A reference is from the bundle root; a leading "./" or "/" is tolerated. (Not lstrip("./"),
# which would also eat the dot of ".config/cv.docx" and the ".." of "../cv.docx".)
_ROOT_PREFIX = re.compile(r"^(?:\./|/)+")


def _reference_path(reference: str) -> str:
    return unicodedata.normalize("NFC", _ROOT_PREFIX.sub("", reference.strip()))


class OpenedBundle:
    """A bundle read and checked; its documents' bytes can be read until ``close()``.

    ``kept``: documents' bytes held since they were checked, by SHA-256 (see open_bundle).
    """

    def __init__(self, report: Report, bundle: Bundle, archive: CheckedArchive | None,
                 kept: dict[str, bytes] | None = None) -> None:
        self.report = report
        self.bundle = bundle
        self.kept = kept or {}
        self._archive = archive
        self._members = {m.name: m for m in archive.members} if archive else {}

    def read_document(self, document: DocumentInfo) -> bytes:
        """The original bytes of a document: kept, or read again and checked against its
        SHA-256."""
        kept = self.kept.get(document.sha256)
        if kept is not None:
            return kept
        if self._archive is None:
            raise BundleAccessError(_("{path} is closed or unreadable").format(
                path=self.bundle.path))
        member = self._members[document.archive_name]
        try:
            data = self._archive.read(member, self._archive.caps.member_size)
        except MemberReadError as exc:
            raise BundleAccessError(f"{document.path}: {exc.code}") from exc
        if hashlib.sha256(data).hexdigest() != document.sha256:
            raise BundleAccessError(_("{path} changed while the bundle was open").format(
                path=document.path))
        return data

    def close(self) -> None:
        self.kept = {}
        if self._archive is not None:
            self._archive.close()
            self._archive = None


def sha256_of(source: BinaryIO) -> str:
    digest = hashlib.sha256()
    source.seek(0)
    while chunk := source.read(_HASH_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def _archive_caps(limits: Limits) -> ArchiveCaps:
    return ArchiveCaps(limits.member_count, limits.member_size, limits.total_size,
                       limits.ratio, limits.ratio_min_size)


def _open_file(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except OSError as exc:
        raise BundleAccessError(_("cannot open {path}: {reason}").format(
            path=path, reason=exc.strerror or exc)) from exc


@contextmanager
def open_bundle(path: str | Path, *, limits: Limits | None = None,
                display_name: str | None = None, keep_documents: int = 0,
                profile: Profile | None = None, fork_checks: bool = False
                ) -> Iterator[OpenedBundle]:
    """Open and check a bundle. Raises BundleAccessError only when the file cannot be read.

    ``keep_documents``: hold the bytes of accepted documents, up to this many in all, as they
    are checked; ``read_document`` then returns them instead of inflating them again.
    ``profile``: the site's profile, which the candidates' ``x-`` values are checked against.
    ``fork_checks``: a forked process checks the documents too (see _forked_checks), for a
    caller that holds no threads, locks or connections a fork would copy; the documents it
    checked are not among those kept.
    """
    spec = load_spec()
    path = Path(path)
    with _open_file(path) as source:
        try:
            opened = _BundleReader(spec, limits or spec.limits, source,
                                   display_name or str(path), keep_documents,
                                   profile, fork_checks).read()
        except OSError as exc:
            raise BundleAccessError(_("cannot read {path}: {reason}").format(
                path=path, reason=exc.strerror or exc)) from exc

        try:
            yield opened
        finally:
            opened.close()


@contextmanager
def reopen_bundle(path: Path, report: Report, bundle: Bundle, *, limits: Limits | None = None,
                  kept: dict[str, bytes] | None = None) -> Iterator[OpenedBundle]:
    """A bundle read before (in another process), with its documents readable again: from
    ``kept``, else from the file.

    Only the archive's structure is checked again, to locate the members; the report and the
    model are the earlier read's. The caller makes sure the file holds the bytes then read.
    """
    spec = load_spec()
    limits = limits or spec.limits
    kept = kept or {}
    if all(document.sha256 in kept for candidate in bundle.accepted_candidates
           for document in candidate.documents):
        yield OpenedBundle(report, bundle, None, kept)  # nothing left to read from the file
        return
    with _open_file(path) as source:
        size = source.seek(0, 2)
        archive = None
        if size <= limits.bundle_size:
            # Its findings are the earlier read's, already in the report.
            archive = open_checked_archive(source, size, _archive_caps(limits),
                                           FindingsCollector(spec))
        opened = OpenedBundle(report, bundle, archive, kept)
        try:
            yield opened
        finally:
            opened.close()


def validate_bundle(path: str | Path, *, limits: Limits | None = None,
                    display_name: str | None = None, profile: Profile | None = None,
                    fork_checks: bool = False) -> Report:
    """Every finding for one bundle file (with ``profile``: its PROFILE-* findings too);
    ``fork_checks`` as for open_bundle."""
    with open_bundle(path, limits=limits, display_name=display_name,
                     profile=profile, fork_checks=fork_checks) as opened:
        return opened.report


class _BundleReader:
    def __init__(self, spec: FormatSpec, limits: Limits, source: BinaryIO, label: str,
                 keep_documents: int = 0, profile: Profile | None = None,
                 fork_checks: bool = False) -> None:
        self.spec = spec
        self.profile = profile
        self.fork_checks = fork_checks
        self.limits = limits
        self.source = source
        self.findings = FindingsCollector(spec)
        self.report = Report(path=label)
        self.bundle = Bundle(path=label, sha256="", size=0)
        self.encoding = _DEFAULT_ENCODING
        self.prefix = ""
        self._count_line: int | None = None  # the manifest's candidate_count line
        self.files: dict[str, Member] = {}  # bundle path (wrapper stripped) -> member
        self.refused: set[str] = set()
        # False once a candidate file could not be read: its references are unknown, so no
        # member can be said to be unreferenced.
        self._references_known = True
        # candidate file -> (key, line, referenced path), resolved once every file is known
        self._pending_refs: dict[str, list[tuple[str, int, str]]] = {}
        self.caps = _archive_caps(limits)
        self.keep_documents = keep_documents
        self.kept: dict[str, bytes] = {}
        self.kept_size = 0
        self._split: SplitChecks | None = None  # documents checked by a forked child

    def read(self) -> OpenedBundle:
        size = self.source.seek(0, 2)
        self.bundle.size = self.report.size = size
        self.bundle.sha256 = self.report.sha256 = sha256_of(self.source)
        archive: CheckedArchive | None = None
        if size > self.limits.bundle_size:
            self.findings.add("LIMIT-BUNDLE-SIZE", size=size, limit=self.limits.bundle_size)
        else:
            archive = open_checked_archive(self.source, size, self.caps, self.findings)
        if archive is not None:
            try:
                self._read_contents(archive)
            finally:
                if self._split is not None:
                    self._split.close()
        self.report.findings = self.findings.findings
        self.report.candidates = len(self.bundle.candidates)
        for candidate in self.bundle.candidates:
            candidate.accepted = self.findings.error_count(candidate.member) == 0
        self.report.rejected_candidates = [
            c.member for c in self.bundle.candidates if not c.accepted]
        return OpenedBundle(self.report, self.bundle, archive, self.kept)

    # -- layout -------------------------------------------------------------------------

    def _read_contents(self, archive: CheckedArchive) -> None:
        self._index_members(archive)
        manifest_member = self.files.get(self.spec.manifest_member)
        if manifest_member is not None:
            self._read_manifest(archive, manifest_member)
        elif self.spec.manifest_member not in self.refused:  # a refused one is reported
            self.findings.add("MANIFEST-MISSING")
        candidate_files = sorted(
            path for path in self.files
            if path.lower().endswith(_TEXT_SUFFIX) and path != self.spec.manifest_member)
        if self.fork_checks and len(candidate_files) >= MIN_SPLIT_CANDIDATES:
            self._split = start_split(self.spec, self._document_caps(), lambda: (
                self._documents_ahead(archive.for_another_process(), candidate_files)))
        for path in candidate_files:
            candidate = self._read_candidate(archive, path)
            if candidate is not None:
                self.bundle.candidates.append(candidate)
        # Candidate files refused from their headers are still candidate files of the bundle.
        refused_files = [path for path in self.refused
                         if path.lower().endswith(_TEXT_SUFFIX)
                         and path != self.spec.manifest_member]
        if refused_files:
            self._references_known = False
        self._check_count(len(candidate_files) + len(refused_files))
        self._check_duplicate_ids()
        self._resolve_documents(archive)
        # Every byte checked: a damaged member fails the bundle even if nothing refers to it.
        for member, problem in archive.verify_unread():
            self.findings.add(problem.code, member=member.name, params=problem.params)

    def _index_members(self, archive: CheckedArchive) -> None:
        files = [m for m in archive.members if not m.is_dir]
        kept: list[Member] = []
        for member in files:
            if self.spec.junk.matches(member.name):
                self.findings.add("LAYOUT-JUNK", member=member.name, name=member.name)
            else:
                kept.append(member)
        # Members refused from their headers still count for the layout: the wrapping folder
        # and the paths that references name.
        refused = [name for name in archive.refused if not self.spec.junk.matches(name)]
        names = [m.name for m in kept] + refused
        top = common_top_folder(names)
        if top is not None and self.spec.manifest_member not in names:
            self.prefix = top + "/"
            self.findings.add("LAYOUT-WRAPPED", folder=top)
        self.refused = {name[len(self.prefix):] for name in refused}
        # 'cvs\\cv.docx' is what a Windows tool meant by 'cvs/cv.docx': a reference to it is
        # not missing too (PATH-BACKSLASH says it all).
        self.refused |= {path.replace("\\", "/") for path in self.refused}
        seen: dict[str, Member] = {}
        for member in kept:
            path = member.name[len(self.prefix):]
            key = clash_key(path)
            if key in seen:
                first = seen[key]
                self.findings.add("PATH-CLASH", member=member.name, name=member.name,
                                  other=first.name)
                # Neither name can be trusted to mean one file: both are refused.
                self.refused.add(path)
                first_path = first.name[len(self.prefix):]
                self.files.pop(first_path, None)
                self.refused.add(first_path)
                continue
            seen[key] = member
            self.files[path] = member
            if path.lower().endswith(self.spec.nested_archive_extensions):
                self.findings.add("ZIP-NESTED", member=member.name)

    def _read_text(self, archive: CheckedArchive, path: str, candidate: str | None
                   ) -> str | None:
        member = self.files[path]
        try:
            data = archive.read(member, self.limits.text_size)
        except MemberReadError as exc:
            self.findings.add(exc.code, member=member.name, candidate=candidate, params=exc.params)
            return None
        return decode_text(data, self.encoding, self.findings, member=member.name,
                           candidate=candidate)

    # -- manifest -----------------------------------------------------------------------

    def _declared_encoding(self, archive: CheckedArchive, member: Member) -> None:
        """Find 'encoding:' before decoding: the manifest is written in that encoding too."""
        try:
            raw = archive.read(member, self.limits.text_size)
        except MemberReadError:
            return  # reported when the manifest itself is read
        for line in raw.splitlines():
            key, colon, value = line.partition(b":")
            # latin-1 maps bytes one to one; str.strip() also trims the no-break space (0xA0
            # in windows-1252 and iso-8859-15) that the French style puts before the colon.
            if colon and key.decode("latin-1").strip().lower() == _ENCODING_KEY:
                text = value.decode("latin-1").strip()
                spec = self.spec.manifest_keys["encoding"]
                if checked_value(spec, Entry("encoding", text, 0), self.spec.encodings,
                                 FindingsCollector(self.spec), member="", candidate=None):
                    self.encoding = text.lower()
                return

    def _read_manifest(self, archive: CheckedArchive, member: Member) -> None:
        self._declared_encoding(archive, member)
        text = self._read_text(archive, self.spec.manifest_member, None)
        if text is None:
            return
        entries = parse_entries(text, self.findings, member=member.name, candidate=None)
        keyed = group_entries(entries, self.spec.manifest_keys, self.findings,
                              member=member.name, candidate=None)
        values: dict[str, object] = {}
        for name, spec in self.spec.manifest_keys.items():
            entry = keyed.first(name)
            if entry is None:
                continue
            if name == "candidate_count":
                self._count_line = entry.line
            if spec.type == "format":
                values[name] = self._check_format(value_text(spec, entry), member.name,
                                                  entry.line)
            else:
                values[name] = checked_value(spec, entry, self.spec.encodings, self.findings,
                                             member=member.name, candidate=None)
        self.report.bundle_id = cast("str | None", values.get("bundle_id"))
        self.report.vendor = cast("str | None", values.get("vendor"))
        if all(values.get(k) is not None for k, s in self.spec.manifest_keys.items()
               if s.required):
            self.bundle.manifest = Manifest(
                format=cast(str, values["format"]),
                bundle_id=cast(str, values["bundle_id"]),
                vendor=cast(str, values["vendor"]),
                created_at=cast(datetime, values["created_at"]),
                candidate_count=cast(int, values["candidate_count"]),
                encoding=cast("str | None", values.get("encoding")) or _DEFAULT_ENCODING,
            )

    def _check_format(self, value: str, member: str, line: int) -> str | None:
        version = parse_format(value)
        current = parse_format(f"cvbundle/{self.spec.version}")
        assert current is not None  # the schema's own version always parses
        if version is None or version.major != current.major:
            self.findings.add("MANIFEST-FORMAT", member=member, line=line, value=value)
            return None
        if version.minor > current.minor:
            self.findings.add("MANIFEST-NEWER-MINOR", member=member, line=line, value=value)
        return value

    def _check_count(self, found: int) -> None:
        manifest = self.bundle.manifest
        if manifest is not None and manifest.candidate_count != found:
            self.findings.add("MANIFEST-COUNT", member=self.prefix + self.spec.manifest_member,
                              line=self._count_line, declared=manifest.candidate_count,
                              found=found)

    # -- candidates ---------------------------------------------------------------------

    def _read_candidate(self, archive: CheckedArchive, path: str) -> Candidate | None:
        candidate = Candidate(member=self.files[path].name)
        keyed = self._candidate_entries(archive, path)
        if keyed is None:
            self._references_known = False
            return candidate
        self._fill_candidate(candidate, keyed)
        return candidate

    def _candidate_entries(self, archive: CheckedArchive, path: str) -> KeyedEntries | None:
        """A candidate file's entries by key; None when its text cannot be read."""
        name = self.files[path].name
        text = self._read_text(archive, path, name)
        if text is None:
            return None
        entries = parse_entries(text, self.findings, member=name, candidate=name)
        return group_entries(entries, self.spec.candidate_keys, self.findings, member=name,
                             candidate=name)

    def _fill_candidate(self, candidate: Candidate, keyed: KeyedEntries) -> None:
        specs = self.spec.candidate_keys
        name = candidate.member
        scalars: dict[str, object] = {}
        for key, spec in specs.items():
            if spec.multi or spec.type in ("phone", "member"):
                continue
            entry = keyed.first(key)
            if entry is not None:
                scalars[key] = checked_value(spec, entry, self.spec.encodings, self.findings,
                                             member=name, candidate=name)
        for key, value in scalars.items():
            if value is not None:
                setattr(candidate, key, value)
        candidate.custom = {key: [custom_text(entry) for entry in entries]
                            for key, entries in keyed.custom.items()}
        if self.profile is not None:
            check_custom(self.profile, keyed.custom, self.findings, member=name, candidate=name)
        candidate.skills = [value_text(specs["skill"], e) for e in keyed.values.get("skill", [])]
        candidate.languages = [value_text(specs["language"], e)
                               for e in keyed.values.get("language", [])]
        for entry in keyed.values.get("phone", []):
            phone = parse_phone(value_text(specs["phone"], entry), candidate.country)
            if phone.e164 is None:
                self.findings.add("VALUE-PHONE", member=name, line=entry.line, candidate=name,
                                  value=phone.raw, region=candidate.country)
            candidate.phones.append(phone)
        self._pending_refs[name] = self._references(keyed)

    def _references(self, keyed: KeyedEntries) -> list[tuple[str, int, str]]:
        """(key, line, referenced path) of each document a candidate file names."""
        specs = self.spec.candidate_keys
        return [(key, entry.line, value_text(specs[key], entry))
                for key in ("cv_file", "attachment") for entry in keyed.values.get(key, [])]

    def _check_duplicate_ids(self) -> None:
        by_id: dict[str, list[Candidate]] = {}
        for candidate in self.bundle.candidates:
            if candidate.external_id is not None:
                by_id.setdefault(candidate.external_id, []).append(candidate)
        for external_id, sharing in by_id.items():
            for candidate in sharing[1:] if len(sharing) > 1 else ():
                others = ", ".join(c.member for c in sharing if c is not candidate)
                self.findings.add("CANDIDATE-DUPLICATE-ID", member=candidate.member,
                                  candidate=candidate.member, value=external_id, other=others)
            if len(sharing) > 1:
                first = sharing[0]
                self.findings.add("CANDIDATE-DUPLICATE-ID", member=first.member,
                                  candidate=first.member, value=external_id,
                                  other=", ".join(c.member for c in sharing[1:]))

    # -- documents ----------------------------------------------------------------------

    def _document_caps(self) -> ArchiveCaps:
        # A .docx is held to the archive limits, with document_part_count for its parts.
        return replace(self.caps, member_count=self.limits.document_part_count,
                       count_setting="document_part_count")

    def _resolve_documents(self, archive: CheckedArchive) -> None:
        checker = DocumentChecker(self.findings, self._document_caps())
        references = [(candidate, key, line, _reference_path(reference))
                      for candidate in self.bundle.candidates
                      for key, line, reference in self._pending_refs.get(candidate.member, [])]
        if self._split is not None:
            self._split.check_from_the_end(list(self._planned_checks(
                [(candidate.member, key, path) for candidate, key, _line, path in references])),
                archive.prefetch)
        referenced: dict[str, str] = {}
        named: set[str] = set()  # every path a reference names, even a refused reference
        for candidate, key, line, path in references:
            named.add(path)
            document = self._resolve(archive, checker, candidate, key, line, path, referenced)
            if document is None:
                continue
            if key == "cv_file":
                candidate.cv = document
            else:
                candidate.attachments.append(document)
        if not self._references_known:
            return
        for path, member in sorted(self.files.items()):
            if (path not in named and path != self.spec.manifest_member
                    and not path.lower().endswith(_TEXT_SUFFIX)
                    and not path.lower().endswith(self.spec.nested_archive_extensions)):
                self.findings.add("LAYOUT-UNREFERENCED", member=member.name)

    def _planned_checks(self, references: list[tuple[str, str, str]]
                        ) -> Iterator[tuple[CheckKey, Member]]:
        """The documents _resolve will check, in its order, from (candidate file, key, path)
        references. A plan that strays from _resolve only costs work (see _forked_checks)."""
        referenced: set[str] = set()
        for candidate, key, path in references:
            member = self.files.get(path)
            if (member is None or path in referenced
                    or not path.lower().endswith(self.spec.candidate_keys[key].extensions)):
                continue
            referenced.add(path)
            yield (member.name, candidate, key == "cv_file"), member

    def _documents_ahead(self, archive: CheckedArchive, candidate_files: list[str]
                         ) -> Iterator[tuple[CheckKey, bytes]]:
        """In the forked child: the documents _resolve will check, in its order, found from
        the candidate files' references alone (no value checked) and read through
        ``archive``, the same file at positions of the child's own."""
        self.findings = FindingsCollector(self.spec)  # the child's findings are not reported
        references = []
        for path in candidate_files:
            keyed = self._candidate_entries(archive, path)
            if keyed is not None:
                references += [(self.files[path].name, key, _reference_path(reference))
                               for key, _line, reference in self._references(keyed)]
        for key, member in self._planned_checks(references):
            try:
                yield key, archive.read(member, self.limits.member_size)
            except MemberReadError:
                continue  # the reader meets it again

    def _resolve(self, archive: CheckedArchive, checker: DocumentChecker, candidate: Candidate,
                 key: str, line: int, path: str, referenced: dict[str, str]
                 ) -> DocumentInfo | None:
        spec = self.spec.candidate_keys[key]

        def report(code: str, **params: object) -> None:
            self.findings.add(code, member=candidate.member, line=line,
                              candidate=candidate.member, params=params, key=key, value=path)

        if not path.lower().endswith(spec.extensions):
            report("REF-EXTENSION", allowed=", ".join(spec.extensions))
            return None
        if path in referenced:
            report("REF-TWICE", other=referenced[path])
            return None
        member = self.files.get(path)
        if member is None:
            if path not in self.refused:
                report("REF-MISSING")
            return None
        referenced[path] = candidate.member
        role: DocumentRole = "cv" if key == "cv_file" else "attachment"
        key_of_check = (member.name, candidate.member, role == "cv")
        ahead = self._split.take(key_of_check) if self._split is not None else None
        if (ahead is not None and ahead.data is None
                and archive.count_read_elsewhere(member, self.limits.member_size)):
            check, size, sha256 = ahead.replay(self.findings), ahead.size, ahead.sha256
        else:
            checked = self._read_and_check(archive, checker, member, key_of_check, ahead)
            if checked is None:
                return None
            check, size, sha256 = checked
        if not check.accepted:
            return None
        info = member.info
        return DocumentInfo(path=path, archive_name=member.name, role=role, kind=check.kind,
                            size=size, sha256=sha256, text=check.text or None,
                            member_slice=MemberSlice(member.data_start, info.compress_size,
                                                     info.compress_type, info.crc))

    def _read_and_check(self, archive: CheckedArchive, checker: DocumentChecker,
                        member: Member, key: CheckKey, ahead: CheckResult | None
                        ) -> tuple[DocumentCheck, int, str] | None:
        """Read one document and check it (or take the check made ahead of these very
        bytes); with its size and SHA-256, its bytes kept as open_bundle was asked."""
        _, candidate, want_text = key
        try:
            data = archive.read(member, self.limits.member_size)
        except MemberReadError as exc:
            self.findings.add(exc.code, member=member.name, candidate=candidate,
                              params=exc.params)
            return None
        if ahead is not None and ahead.data is data:
            check = ahead.replay(self.findings)
        else:
            check = checker.check(member.name, data, candidate=candidate, want_text=want_text)
        sha256 = hashlib.sha256(data).hexdigest()
        if check.accepted and self.kept_size + len(data) <= self.keep_documents:
            self.kept[sha256] = data
            self.kept_size += len(data)
        return check, len(data), sha256
