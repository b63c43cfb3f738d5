"""The submission document's content model and its two renderings: the Word file and the
printable page, made from the same blocks so they always say the same thing.

The Word file is deterministic for the same content: python-docx stamps the core properties
and each zip member with the current time, so both are set from the submission date instead.
A stored document can therefore be checked byte for byte against its hash.
"""

from __future__ import annotations

import functools
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime

import docx
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from markupsafe import Markup, escape


# The content model: what both renderings show, in order.
@dataclass(frozen=True)
class Heading:
    text: str
    level: int  # 1 for the document's parts, 2 and 3 within them


@dataclass(frozen=True)
class Text:
    text: str  # paragraphs separated by line breaks


@dataclass(frozen=True)
class Pairs:
    rows: tuple[tuple[str, str], ...]  # (label, value)


@dataclass(frozen=True)
class Table:
    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = Heading | Text | Pairs | Table


@dataclass(frozen=True)
class Content:
    title: str
    partnership: str
    submitted_on: date
    number: int
    blocks: tuple[Block, ...]


def long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


# The Word file.
# Style ids (not names) in python-docx's default template: setting an id directly skips
# python-docx's name lookup, which scans every style on every call. `_template` checks them.
TITLE_STYLE, CAPTION_STYLE, TABLE_STYLE = "Title", "Caption", "TableGrid"
HEADING_STYLES = {1: "Heading1", 2: "Heading2", 3: "Heading3"}
STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


@functools.cache
def _template() -> bytes:
    """python-docx's default template, trimmed once per process.

    Why: its styles part is 440 kB, most of it 98 table styles a submission document never
    uses, and it carries a second 440 kB copy of the styles for Word 2010 (the optional
    stylesWithEffects part). Parsing, writing and compressing those took half the time of a
    document. Only those table styles and that copy go: Table Grid, the defaults and every
    other style stay, so the document looks the same. Each document is opened fresh from
    these bytes, so no two share any state.
    """
    document = docx.Document()
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        unused = style.get(qn("w:styleId")) != TABLE_STYLE and not style.get(qn("w:default"))
        if style.get(qn("w:type")) == "table" and unused:
            styles.remove(style)
    kept = {style.get(qn("w:styleId")) for style in styles.findall(qn("w:style"))}
    missing = {TITLE_STYLE, CAPTION_STYLE, TABLE_STYLE, *HEADING_STYLES.values()} - kept
    if missing:
        raise RuntimeError(f"python-docx's template has no styles {sorted(missing)}")
    for rId, relationship in list(document.part.rels.items()):
        if relationship.reltype == STYLES_WITH_EFFECTS:
            document.part.drop_rel(rId)
    raw = io.BytesIO()
    document.save(raw)
    return raw.getvalue()


def _run(p, text: str, *, bold: bool = False) -> None:
    """Add a run to the paragraph element `p`, as `Paragraph.add_run(text)` does."""
    r = p.add_r()
    if bold:  # only when true: python-docx writes <w:b w:val="0"/> for False
        r.get_or_add_rPr().get_or_add_b()  # <w:b/>: bold on
    if "\t" in text or "\n" in text or "\r" in text:
        r.text = text  # python-docx turns these into w:tab and w:br, a character at a time
    elif text:
        r.add_t(text)  # the common case, in one step


def _paragraph(document, text: str, style_id: str | None = None) -> None:
    p = document.add_paragraph()._p
    if style_id:
        p.style = style_id
    _run(p, text)


def _repeat_as_header(tr) -> None:
    """Mark a table row as a header row, repeated at the top of each page (w:tblHeader)."""
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr.get_or_add_trPr().append(header)


def _docx_table(document, header: tuple[str, ...] | None, rows) -> None:
    lines = [header, *rows] if header else list(rows)
    # All rows at once: python-docx builds them from one string, much faster than add_row.
    table = document.add_table(rows=len(lines), cols=len(header) if header else 2)
    table._tbl.tblStyle_val = TABLE_STYLE
    for number, (tr, values) in enumerate(zip(table._tbl.tr_lst, lines, strict=True)):
        if header and number == 0:
            _repeat_as_header(tr)
        for column, (tc, text) in enumerate(zip(tr.tc_lst, values, strict=True)):
            # Header cells, and the labels of a label/value list, in bold.
            bold = number == 0 if header else column == 0
            _run(tc.p_lst[0], text, bold=bold)


def render_docx(content: Content) -> bytes:
    """The Word file; the same content gives the same bytes."""
    document = docx.Document(io.BytesIO(_template()))
    on = content.submitted_on
    moment = datetime(on.year, on.month, on.day, tzinfo=UTC)
    properties = document.core_properties
    properties.title = content.title
    properties.subject = "Rapid review submitted to the Child Safeguarding Practice Review Panel"
    properties.author = content.partnership
    properties.last_modified_by = "Casework"
    properties.comments = f"Submission {content.number}"
    properties.revision = content.number
    properties.created = properties.modified = moment
    _paragraph(document, content.title, TITLE_STYLE)
    _paragraph(
        document,
        f"{content.partnership}. Submitted to the Panel on {long_date(content.submitted_on)}.",
    )
    for block in content.blocks:
        if isinstance(block, Heading):
            _paragraph(document, block.text, HEADING_STYLES[block.level])
        elif isinstance(block, Text):
            for line in block.text.splitlines() or [""]:
                if line.strip():
                    _paragraph(document, line)
        elif isinstance(block, Pairs):
            _docx_table(document, None, block.rows)
        else:
            _paragraph(document, block.caption, CAPTION_STYLE)
            _docx_table(document, block.header, block.rows)
    return _dated_zip(document, (moment.year, moment.month, moment.day, 0, 0, 0))


class _DatedZipWriter:
    """python-docx's zip writer, but every member dated `when` (its own stamps the current
    time). Writing the zip once, dated, saves reading and compressing it all a second time."""

    def __init__(self, file, when: tuple[int, int, int, int, int, int]) -> None:
        self._zip = zipfile.ZipFile(file, "w")
        self._when = when

    def write(self, pack_uri, blob: bytes) -> None:
        member = zipfile.ZipInfo(pack_uri.membername, date_time=self._when)
        member.compress_type = zipfile.ZIP_DEFLATED
        member.external_attr = 0o644 << 16
        self._zip.writestr(member, blob)

    def close(self) -> None:
        self._zip.close()


def _dated_zip(document, when: tuple[int, int, int, int, int, int]) -> bytes:
    """`document.save`, through `_DatedZipWriter`: python-docx (pinned) has no hook for the
    writer, so this repeats the three steps of its `PackageWriter.write`."""
    package = document.part.package
    parts = list(package.parts)
    for part in parts:
        part.before_marshal()
    out = io.BytesIO()
    writer = _DatedZipWriter(out, when)
    PackageWriter._write_content_types_stream(writer, parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, parts)
    writer.close()
    return out.getvalue()


# The printable page: a fragment for the site's layout, GOV.UK classes, no inline styles.
HEADINGS = {
    1: Markup('<h2 class="govuk-heading-l">{}</h2>\n'),
    2: Markup('<h3 class="govuk-heading-m">{}</h3>\n'),
    3: Markup('<h4 class="govuk-heading-s">{}</h4>\n'),
}


def _paragraphs(text: str) -> Markup:
    lines = [line for line in text.splitlines() if line.strip()] or [""]
    return Markup("").join(Markup('<p class="govuk-body">{}</p>\n').format(line) for line in lines)


def _cell(text: str) -> Markup:
    return Markup("<br>").join(escape(line) for line in text.splitlines()) if text else Markup("")


def render_html(content: Content) -> str:
    parts = [
        Markup(
            '<article class="casework-document">\n<h1 class="govuk-heading-xl">{}</h1>\n'
        ).format(content.title),
        Markup('<p class="govuk-body-l">{}. Submitted to the Panel on {}.</p>\n').format(
            content.partnership, long_date(content.submitted_on)
        ),
    ]
    for block in content.blocks:
        if isinstance(block, Heading):
            parts.append(HEADINGS[block.level].format(block.text))
        elif isinstance(block, Text):
            parts.append(_paragraphs(block.text))
        elif isinstance(block, Pairs):
            parts.append(Markup('<dl class="govuk-summary-list">\n'))
            for label, value in block.rows:
                parts.append(
                    Markup(
                        '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">'
                        '{}</dt><dd class="govuk-summary-list__value">{}</dd></div>\n'
                    ).format(label, _cell(value))
                )
            parts.append(Markup("</dl>\n"))
        else:
            parts.append(_html_table(block))
    parts.append(Markup("</article>\n"))
    return str(Markup("").join(parts))


def _html_table(table: Table) -> Markup:
    head = Markup("").join(
        Markup('<th scope="col" class="govuk-table__header">{}</th>').format(h)
        for h in table.header
    )
    body = Markup("").join(
        Markup('<tr class="govuk-table__row">{}</tr>\n').format(
            Markup("").join(
                Markup('<td class="govuk-table__cell">{}</td>').format(_cell(v)) for v in row
            )
        )
        for row in table.rows
    )
    return Markup(
        '<table class="govuk-table casework-document__table">\n'
        '<caption class="govuk-table__caption govuk-table__caption--s">{}</caption>\n'
        '<thead class="govuk-table__head"><tr class="govuk-table__row">{}</tr></thead>\n'
        '<tbody class="govuk-table__body">\n{}</tbody>\n</table>\n'
    ).format(table.caption, head, body)
