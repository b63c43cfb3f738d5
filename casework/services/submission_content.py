"""The submission document's content model and its two renderings: the Word file and the
printable page, made from the same blocks so they always say the same thing.

The Word file is deterministic for the same content: python-docx stamps the core properties
and each zip member with the current time, so both are set from the submission date instead.
A stored document can therefore be checked byte for byte against its hash.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from xml.sax.saxutils import escape as xml_escape

import docx
from docx.opc.pkgwriter import PackageWriter
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu
from markupsafe import Markup, escape

from casework.services.wording import long_date


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


# The Word file.
# Style ids (not names) in python-docx's default template: setting an id directly skips
# python-docx's name lookup, which scans every style on every call. `_template` checks them.
TITLE_STYLE, CAPTION_STYLE, TABLE_STYLE = "Title", "Caption", "TableGrid"
HEADING_STYLES = {1: "Heading1", 2: "Heading2", 3: "Heading3"}
# Parts of python-docx's template a submission document has no use for (see `_template`).
UNUSED_PARTS = {
    "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/webSettings",
}
THUMBNAIL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"


@functools.cache
def _template() -> bytes:
    """python-docx's default template, trimmed once per process.

    Why: its styles part is 440 kB, most of it 98 table styles a submission document never
    uses, and it carries a second 440 kB copy of the styles for Word 2010 (the optional
    stylesWithEffects part). Parsing, writing and compressing those took half the time of a
    document. Those table styles and that copy go, as do the parts only Word's interface
    reads: the latent styles (which built-in styles the style gallery offers), web settings,
    a bibliography store (customXml) and a thumbnail of an empty page. Table Grid, the
    defaults, every other style, the theme, fonts and numbering stay, so the document looks
    the same. Each document is opened fresh from these bytes, so no two share any state.
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
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)
    for rId, relationship in list(document.part.rels.items()):
        if relationship.reltype in UNUSED_PARTS:
            document.part.drop_rel(rId)
    package = document.part.package
    for rId, relationship in list(package.rels.items()):
        if relationship.reltype == THUMBNAIL:
            package.rels.pop(rId)
    raw = io.BytesIO()
    document.save(raw)
    return raw.getvalue()


# The body is written as WordprocessingML text and parsed once: building it element by element
# through python-docx cost a millisecond per table of a few rows, inside the submission's
# locked transaction. The markup is what python-docx's own `add_paragraph`, `add_run` and
# `add_table` write (a test reads the file back with python-docx).
W_BODY = f"<w:body {nsdecls('w')}>{{}}</w:body>"
# Word's own line breaks: a vertical tab is what Word pastes for a manual line break, a form
# feed a page break; both are shown as a line break.
LINE_BREAK = re.compile(r"\r\n|[\n\r\v\f]")
# Characters XML 1.0 cannot hold at all (other control characters, unpaired surrogates): they
# carry no meaning in a return, and lxml refuses the whole document if one is left in.
NOT_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _run_xml(text: str, *, bold: bool = False) -> str:
    """One run: tabs as w:tab and line breaks as w:br, as python-docx's `Run.text` writes them."""
    pieces = ["<w:r><w:rPr><w:b/></w:rPr>" if bold else "<w:r>"]
    for number, line in enumerate(LINE_BREAK.split(NOT_XML.sub("", text))):
        if number:
            pieces.append("<w:br/>")
        for position, chunk in enumerate(line.split("\t")):
            if position:
                pieces.append("<w:tab/>")
            if chunk:
                pieces.append(f'<w:t xml:space="preserve">{xml_escape(chunk)}</w:t>')
    pieces.append("</w:r>")
    return "".join(pieces)


def _paragraph_xml(text: str, style_id: str | None = None) -> str:
    style = f'<w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>' if style_id else ""
    return f"<w:p>{style}{_run_xml(text)}</w:p>"


def _table_xml(header: tuple[str, ...] | None, rows, width: int) -> str:
    """A table in Table Grid style, its columns sharing the page's width, as `add_table` does;
    a header row is repeated at the top of each page (w:tblHeader) and is bold, as are the
    labels of a label/value list."""
    lines = [header, *rows] if header else list(rows)
    columns = len(header) if header else 2
    column = Emu(width // columns).twips
    cell = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{column}"/></w:tcPr><w:p>{{}}</w:p></w:tc>'
    pieces = [
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{TABLE_STYLE}"/><w:tblW w:type="auto" w:w="0"/>'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" '
        'w:noHBand="0" w:noVBand="1" w:val="04A0"/></w:tblPr><w:tblGrid>',
        f'<w:gridCol w:w="{column}"/>' * columns,
        "</w:tblGrid>",
    ]
    for number, values in enumerate(lines):
        if len(values) != columns:
            raise ValueError(f"Row {number} of a table has {len(values)} cells, not {columns}")
        is_header = bool(header) and number == 0
        pieces.append(
            '<w:tr><w:trPr><w:tblHeader w:val="true"/></w:trPr>' if is_header else "<w:tr>"
        )
        for position, text in enumerate(values):
            bold = is_header if header else position == 0
            pieces.append(cell.format(_run_xml(text, bold=bold)))
        pieces.append("</w:tr>")
    pieces.append("</w:tbl>")
    return "".join(pieces)


def _body_xml(content: Content, width: int) -> str:
    pieces = [
        _paragraph_xml(content.title, TITLE_STYLE),
        _paragraph_xml(
            f"{content.partnership}. Submitted to the Panel on {long_date(content.submitted_on)}."
        ),
    ]
    for block in content.blocks:
        if isinstance(block, Heading):
            pieces.append(_paragraph_xml(block.text, HEADING_STYLES[block.level]))
        elif isinstance(block, Text):
            pieces.extend(
                _paragraph_xml(line) for line in block.text.splitlines() or [""] if line.strip()
            )
        elif isinstance(block, Pairs):
            pieces.append(_table_xml(None, block.rows, width))
        else:
            pieces.append(_paragraph_xml(block.caption, CAPTION_STYLE))
            pieces.append(_table_xml(block.header, block.rows, width))
    return W_BODY.format("".join(pieces))


def render_docx(content: Content) -> bytes:
    """The Word file; the same content gives the same bytes."""
    document = docx.Document(io.BytesIO(_template()))
    on = content.submitted_on
    moment = datetime(on.year, on.month, on.day, tzinfo=UTC)
    properties = document.core_properties
    properties.title = NOT_XML.sub("", content.title)
    properties.subject = "Rapid review submitted to the Child Safeguarding Practice Review Panel"
    properties.author = NOT_XML.sub("", content.partnership)
    properties.last_modified_by = "Casework"
    properties.comments = f"Submission {content.number}"
    properties.revision = content.number
    properties.created = properties.modified = moment
    section = document.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    end_of_body = document.element.body.sectPr  # the page settings stay last
    for element in parse_xml(_body_xml(content, width)):
        end_of_body.addprevious(element)
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
