"""``cvbridge candidates``: find people, read their record, export their CV."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cvbridge._errors import FilterError, NotFoundError, StoreError
from cvbridge._i18n import _
from cvbridge.bundle import printable
from cvbridge.cli._context import open_store
from cvbridge.cli._escape import printable_rows
from cvbridge.cli._files import resolve_target, write_file, write_stdout
from cvbridge.cli._help import TranslatedCommand, TranslatedGroup
from cvbridge.cli._options import CandidateId, LimitOption
from cvbridge.cli._output import DataFormat, FormatOption, print_json, print_table
from cvbridge.store import MAX_ID

if TYPE_CHECKING:
    from rich.text import Text

app = typer.Typer(cls=TranslatedGroup,
                  help=_("List, show, search, export, merge and unmerge candidates."),
                  no_args_is_help=True)

LIST_COLUMNS = ("id", "last_name", "first_name", "email", "phones", "city", "position", "cv")
HIGHLIGHT = "bold yellow"


def _rows(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**view, **view["custom"], "cv": view["cv"]["filename"] if view["cv"] else None}
            for view in views]


def _print_candidates(views: list[dict[str, Any]], output_format: DataFormat,
                      empty: str, custom_columns: tuple[str, ...] = ()) -> None:
    if output_format is DataFormat.json:
        print_json(views)
    else:
        print_table(printable_rows(_rows(views)), LIST_COLUMNS + custom_columns,
                    empty=empty)


def custom_text(value: Any) -> str:
    """A typed custom value as the text output shows it."""
    if isinstance(value, list):
        return ", ".join(custom_text(item) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@app.command("list", cls=TranslatedCommand,
              help=_("List candidates by id (merged and purged ones left out).\n\n"
                     "Example: cvbridge candidates list --limit 20 --format json\n\n"
                     "Example: cvbridge candidates list --where \"x-salaire>=40000\" --where "
                     "\"x-mobilite~PACA\""))
def list_candidates(
    ctx: typer.Context,
    output_format: FormatOption = DataFormat.text,
    limit: LimitOption = None,
    where: Annotated[list[str] | None, typer.Option(
        "--where", metavar="x-FIELD OP VALUE",
        help=_("Only candidates whose custom field matches (repeatable: all must match). OP: "
             "= != < <= > >= (as the field's type: numbers, dates as dates), ~ (contains; on "
             "a repeated field, one of its values)."), show_default=False)] = None,
) -> None:
    from cvbridge.store import Condition  # here: the store's code loads only when it runs

    try:
        conditions = [Condition.parse(text) for text in where or []]
        with open_store(ctx) as store:
            views = store.candidates(limit, where=conditions)
    except FilterError as exc:
        raise typer.BadParameter(str(exc), param_hint="--where") from exc
    fields = tuple(dict.fromkeys(condition.field for condition in conditions))
    if output_format is DataFormat.text:
        views = [{**view, "custom": {k: custom_text(v) for k, v in view["custom"].items()}}
                 for view in views]
    _print_candidates(views, output_format, _("no candidates"), fields)


@app.command("show", cls=TranslatedCommand,
              help=_("Show one candidate: record, vendor identifiers, documents (current and "
                     "earlier).\n\n"
                     "Example: cvbridge candidates show 12"))
def show_candidate(ctx: typer.Context, candidate_id: CandidateId,
                   output_format: FormatOption = DataFormat.text) -> None:
    with open_store(ctx) as store:
        detail = store.candidate(candidate_id)
    if output_format is DataFormat.json:
        print_json(detail)
        return
    for key, value in detail.items():
        if key in ("documents", "external_refs", "cv"):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, list) else value
        if isinstance(value, dict):
            shown = "; ".join(f"{k}={custom_text(v)}" for k, v in value.items())
        typer.echo(printable(f"{key + ':':<18}{'' if shown is None else shown}"))
    for ref in detail["external_refs"]:
        typer.echo(printable(f"{_('external ref:'):<18}{ref['vendor']}/{ref['external_id']}"))
    for document in detail["documents"]:
        about = (_("{filename} (current, {size} bytes, sha256 {sha256}…, bundle #{bundle})")
                 if document["current"] else
                 _("{filename} (earlier, {size} bytes, sha256 {sha256}…, bundle #{bundle})"))
        typer.echo(printable(f"{document['role'] + ':':<18}" + about.format(
            filename=document["filename"], size=document["size"],
            sha256=document["sha256"][:12], bundle=document["bundle"])))


def _search_hit(view: dict[str, Any]) -> Text:
    """``#1 Hélène Dupré-Lefèvre (Ingénieure, Lyon)  cv: cvs/TAL-1.docx`` and, below, the
    snippet with the matched words highlighted."""
    from rich.text import Text  # here: the other commands start without rich

    name = " ".join(filter(None, (view["first_name"], view["last_name"])))
    about = ", ".join(filter(None, (view["position"], view["city"])))
    head = f"#{view['id']} {name}" + (f" ({about})" if about else "")
    if view["cv"]:
        head += f"  cv: {view['cv']['filename']}"
    line = Text(printable(head))
    snippet = view.get("snippet")
    if snippet:
        line.append("\n    ")
        text, done = snippet["text"], 0
        for start, end in snippet["matches"]:
            line.append(printable(text[done:start]))
            line.append(printable(text[start:end]), style=HIGHLIGHT)
            done = end
        line.append(printable(text[done:]))
    return line


@app.command("search", cls=TranslatedCommand,
              help=_("Search candidates and the text of their current CV, best match first; "
                     "each is shown with a snippet of where the words matched (in --format "
                     "json: \"snippet\", its text and the [start, end) of each matched word).\n\n"
                     "Every word must match (as a word prefix); \"lefevre ingenieur\" finds "
                     "\"Lefèvre, ingénieur\".\n\n"
                     "Example: cvbridge candidates search \"ingenieur toulouse\""))
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help=_("Words to find; accents and case ignored."))],
    limit: Annotated[int, typer.Option("--limit", min=1, max=MAX_ID,
                                       help=_("At most this many."))] = 50,
    output_format: FormatOption = DataFormat.text,
) -> None:
    with open_store(ctx) as store:
        views = store.search(query, limit)
    if output_format is DataFormat.json:
        print_json(views)
        return
    if not views:
        typer.echo(_("no match"))
        return
    from rich.console import Console

    console = Console(highlight=False, markup=False, emoji=False, soft_wrap=True)
    for view in views:
        console.print(_search_hit(view))


def _text_bytes(content: str, *, for_terminal: bool) -> bytes:
    """The text as indexed, ending with a line break; for a terminal, with control
    characters escaped, as every other output of cvbridge does."""
    if for_terminal:
        content = "\n".join("\t".join(printable(part) for part in line.split("\t"))
                            for line in content.split("\n"))
    return (content if content.endswith("\n") else content + "\n").encode("utf-8")


@app.command("export-cv", cls=TranslatedCommand,
              help=_("Write a candidate's current CV, byte for byte as received, or its text "
                     "(--text).\n\n"
                     "An existing file is refused unless --force; a missing folder is an error,"
                     " never created. Prints where it wrote (nothing when writing to stdout).\n\n"
                     "Example: cvbridge candidates export-cv 12 --out ~/Downloads/"))
def export_cv(
    ctx: typer.Context,
    candidate_id: CandidateId,
    out: Annotated[str | None, typer.Option(
        "--out", "-o", help=_("File or folder to write to, as with cp: an existing folder, or "
        "one written with a final /, gets the CV under its own name. - or none: stdout "
        "(not a terminal, for a Word file)."), show_default=False)] = None,
    force: Annotated[bool, typer.Option(
        "--force", help=_("Overwrite the file when it exists."))] = False,
    text: Annotated[bool, typer.Option(
        "--text", help=_("The CV's text, as extracted and indexed for search (UTF-8), instead "
        "of the Word file."))] = False,
) -> None:
    with open_store(ctx) as store:
        if text:
            filename, extracted = store.cv_text(candidate_id)
            if not extracted:
                raise NotFoundError(_("no text was extracted from the CV of candidate "
                                      "#{candidate_id} ({filename}); see its bundle's findings")
                                    .format(candidate_id=candidate_id, filename=filename))
            to_terminal = out in (None, "-") and sys.stdout.isatty()
            content = _text_bytes(extracted, for_terminal=to_terminal)
            filename = str(Path(filename.replace("\\", "/")).with_suffix(".txt"))
        else:
            filename, content, sha256 = store.export_cv(candidate_id)
            if hashlib.sha256(content).hexdigest() != sha256:
                raise StoreError(_("the stored CV of candidate #{candidate_id} does not match its "
                                   "SHA-256").format(candidate_id=candidate_id))
    if out is None or out == "-":
        write_stdout(content, binary=not text)
        return
    target = resolve_target(out, filename)
    write_file(target, content, force=force)
    digest = hashlib.sha256(content).hexdigest()
    typer.echo(printable(_("{target} ({size} bytes, sha256 {digest})").format(
        target=target, size=len(content), digest=digest)))


@app.command("duplicates", cls=TranslatedCommand,
              help=_("Pairs of candidates that may be one person (same name, shared phone), to "
                     "review, oldest first.\n\n"
                     "Example: cvbridge candidates duplicates"))
def duplicates(ctx: typer.Context, output_format: FormatOption = DataFormat.text,
               limit: LimitOption = None) -> None:
    with open_store(ctx) as store:
        pairs = store.possible_duplicates(limit)
    if output_format is DataFormat.json:
        print_json(pairs)
        return
    rows = [{"pair": pair["id"], "candidate": pair["candidate"]["id"],
             "other": pair["other"]["id"],
             "name": f"{pair['candidate']['first_name']} {pair['candidate']['last_name']}",
             "reason": pair["reason"]} for pair in pairs]
    print_table(printable_rows(rows), ("pair", "candidate", "other", "name", "reason"),
                empty=_("no possible duplicates"))


@app.command("merge", cls=TranslatedCommand,
              help=_("Merge OTHER into KEEP: documents, vendor identifiers and missing fields "
                     "move over.\n\n"
                     "Undone with 'cvbridge candidates unmerge OTHER' while neither changed "
                     "since.\n\n"
                     "Example: cvbridge candidates merge 12 31"))
def merge(ctx: typer.Context,
          keep: Annotated[int, typer.Argument(metavar="KEEP", min=1, max=MAX_ID,
                                              help=_("Candidate to keep."))],
          other: Annotated[int, typer.Argument(metavar="OTHER", min=1, max=MAX_ID,
                                               help=_("Candidate folded in."))],
          output_format: FormatOption = DataFormat.text) -> None:
    with open_store(ctx) as store:
        view = store.merge(keep, other)
    if output_format is DataFormat.json:
        print_json(view)
    else:
        typer.echo(_("candidate #{other} merged into #{keep}").format(other=other, keep=keep))


@app.command("unmerge", cls=TranslatedCommand,
              help=_("Undo a merge: ID stands again with its documents and identifiers, and the"
                     " candidate it was merged into goes back to its state before the merge.\n\n"
                     "Refused, saying what to undo first, when either changed since (a later "
                     "bundle or merge).\n\n"
                     "Example: cvbridge candidates unmerge 31"))
def unmerge(ctx: typer.Context,
            other: Annotated[int, typer.Argument(
                metavar="ID", min=1, max=MAX_ID,
                help=_("The candidate that was merged into another (OTHER of 'merge')."))],
            output_format: FormatOption = DataFormat.text) -> None:
    with open_store(ctx) as store:
        keep, restored = store.unmerge(other)
    if output_format is DataFormat.json:
        print_json({"kept": keep, "restored": restored})
    else:
        typer.echo(_("candidate #{other} unmerged from #{id}").format(other=other, id=keep['id']))
