"""Official documents rendered with docxtpl from DOCX templates a person edits in Word.

``render(kind, year, context)`` uses the coordinator's replacement template of that kind and year
(``DocumentTemplate``) when there is one, else the shipped default (``cchc/documents/defaults/``).
``check_template(kind, content)`` is what a replacement must pass first: it renders the file with the
kind's sample context in a strict environment and names the first broken tag, in one line.

The context contract (what each kind's context holds) is in ``docs/documents.md``; in short, every
kind takes ``authority_lines``, ``number``, ``place_date``, ``title``, ``subtitle``, ``preliminary``,
``intro``, ``closing``, ``recipients``, ``signer_lines`` and ``signer_name``; the periodic kinds add
``sections`` (headings, paragraphs, parts and tables), ``appendix1`` and ``appendix2``; ``ranking`` adds
``blocks`` and ``proposals``. ``year`` is set from the argument unless the context gives it, and
``table`` is the helper a template calls (``{{p table(t) }}``) to lay out a Table dict.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jinja2
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree

from cchc.core.tabular import InputError
from cchc.documents import kinds
from cchc.documents.layout import CENTER, LEFT, TABLE_SIZE, TEXT_WIDTH_MM, cell_text, grid, para, row_properties

DOCX_SIGNATURE = b"PK\x03\x04"
CONTEXT_CHARS = 60  # of the text around a broken tag, each side


def render(kind: str, year: int, context: Mapping[str, Any]) -> bytes:
    """The document of ``kind`` for ``year``, from the template in use for that year."""
    from cchc.documents.models import DocumentTemplate

    return render_with(DocumentTemplate.content_for(kind, year), {"year": year, **context})


def render_with(template: bytes, context: Mapping[str, Any], *, strict: bool = False) -> bytes:
    """``template`` rendered with ``context``; ``strict`` makes an unknown name an error (the check)."""
    document = DocxTemplate(io.BytesIO(template))
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined if strict else jinja2.Undefined)
    document.render({**context, "table": lambda t: table(document, t)}, jinja_env=environment)
    drop_empty_last_section(document.docx.element.body)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def drop_empty_last_section(body: Any) -> None:
    """When the body ends with a section break (the last appendix's, say), the section after it is
    empty and would print as a blank page: the break's properties become the last section's."""
    last = next((child for child in reversed(body) if child.tag != qn("w:sectPr")), None)
    if last is None or last.tag != qn("w:p") or "".join(last.itertext()).strip():
        return
    properties = last.find(f"{qn('w:pPr')}/{qn('w:sectPr')}")
    if properties is None:
        return
    final = body.find(qn("w:sectPr"))
    if final is not None:
        body.remove(final)
    body.remove(last)
    body.append(properties)


class Subdoc:
    """A piece of document built with python-docx and inserted by a ``{{p … }}`` tag: docxtpl's own
    ``Subdoc`` without a source file, which needs the ``docxcompose`` package (docxtpl's ``subdoc``
    extra) only for the source files it does not use here. Like docxtpl's, it shares the document's
    part, so that styles resolve against the template's."""

    def __init__(self, document: DocxTemplate) -> None:
        self.docx = Document()
        self.docx._part = document.get_docx().part

    def add_paragraph(self, *args: Any, **kwargs: Any) -> Any:
        return self.docx.add_paragraph(*args, **kwargs)

    def add_table(self, *args: Any, **kwargs: Any) -> Any:
        return self.docx.add_table(*args, **kwargs)

    def __html__(self) -> str:
        """The body's XML (without its section properties), marked safe for the escaping environment."""
        body = self.docx.element.body
        if body.sectPr is not None:
            body.remove(body.sectPr)
        return re.sub(r"</?w:body[^>]*>", "", etree.tostring(body, encoding="unicode"))

    __str__ = __html__


def table(document: DocxTemplate, spec: Mapping[str, Any]) -> Subdoc:
    """A Table dict (``title``, ``header``, ``rows`` of any number of columns) as a Subdoc: the title,
    a bordered 12 pt table whose header row repeats on each page and whose rows never split."""
    subdoc = Subdoc(document)
    header = [str(h) for h in spec.get("header", [])]
    rows = [[str(v) for v in row] for row in spec.get("rows", [])]
    if spec.get("title"):
        para(subdoc, str(spec["title"]), TABLE_SIZE, bold=True, align=CENTER, after=3)
    if header:
        built = grid(subdoc, header, column_widths(header, rows))
        for values in rows:
            row = built.add_row()
            row_properties(row)
            for cell, text in zip(row.cells, values + [""] * (len(header) - len(values)), strict=False):
                cell_text(cell, text, TABLE_SIZE, align=CENTER if _is_short(text) else LEFT)
    para(subdoc, "", 6, after=6)
    return subdoc


def column_widths(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Widths in millimetres filling the text width, each column after its longest word count."""
    weights = []
    for i, name in enumerate(header):
        longest = max([len(name), *(len(row[i]) for row in rows if i < len(row))])
        weights.append(min(max(longest, 4), 40))
    total = sum(weights)
    return [TEXT_WIDTH_MM * w / total for w in weights]


def _is_short(text: str) -> bool:
    """Numbers and codes are centred; running text is left-aligned."""
    return len(text) <= 12


# --- the check of a replacement -------------------------------------------------------------------


def check_template(kind: str, content: bytes) -> None:
    """InputError naming the first problem of ``content`` as a template of ``kind``: not a DOCX, a tag
    not closed, a block not ended, an unknown filter or name; nothing when it renders the sample."""
    paragraphs = _paragraph_texts(content)
    _check_tags(paragraphs)
    try:
        render_with(content, {"year": 2026, **kinds.get(kind).sample()}, strict=True)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(_syntax_message(exc, paragraphs)) from None
    except jinja2.UndefinedError as exc:
        name = _undefined_name(str(exc))
        found = _find_tag(paragraphs, name) if name else None
        raise _tag_error(found, _("“%(name)s” is not a field of this document") % {"name": name}) from None
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise InputError(_("The template cannot be filled in: %(error)s") % {"error": exc}) from None


def _paragraph_texts(content: bytes) -> list[str]:
    """The text of every paragraph, in the body's order (table cells included); InputError for a file
    that is not a Word document."""
    if not content.startswith(DOCX_SIGNATURE):
        raise InputError(_("The file is not a Word document (.docx)."))
    try:
        document = Document(io.BytesIO(content))
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise InputError(_("The file is not a Word document (.docx).")) from None
    texts = []
    for paragraph in document.element.body.iter(qn("w:p")):
        texts.append("".join(t.text or "" for t in paragraph.iter(qn("w:t"))))
    return texts


@dataclass(frozen=True)
class Tag:
    text: str  # as written, "{%p for row in rows %}"
    paragraph: str  # the paragraph it is in
    closed: bool


TAG_START = re.compile(r"\{\{|\{%|\{#")
TAG_END = {"{{": "}}", "{%": "%}", "{#": "#}"}
BLOCK_WORD = re.compile(r"^\{%-?\s*(?:(?:p|tr|tc|r)\s+)?(\w+)")
OPENERS = {"for": "endfor", "if": "endif", "macro": "endmacro", "with": "endwith", "filter": "endfilter"}


def _tags(paragraphs: Sequence[str]) -> Iterator[Tag]:
    for text in paragraphs:
        position = 0
        while (start := TAG_START.search(text, position)) is not None:
            end = text.find(TAG_END[start.group()], start.end())
            if end < 0:
                yield Tag(text[start.start() :], text, closed=False)
                break
            yield Tag(text[start.start() : end + 2], text, closed=True)
            position = end + 2


def _check_tags(paragraphs: Sequence[str]) -> None:
    """A tag not closed in its paragraph, and blocks (``for``, ``if``) not ended or ended twice."""
    open_blocks: list[tuple[str, Tag]] = []
    for found in _tags(paragraphs):
        if not found.closed:
            raise _tag_error(found, _("the tag is not closed"))
        match = BLOCK_WORD.match(found.text)
        word = match.group(1) if match else ""
        if word in OPENERS:
            open_blocks.append((OPENERS[word], found))
        elif word.startswith("end"):
            if not open_blocks or open_blocks[-1][0] != word:
                expected = open_blocks[-1][0] if open_blocks else ""
                problem = (
                    _("it ends no open block")
                    if not expected
                    else _("“%(expected)s” was expected first") % {"expected": "{% " + expected + " %}"}
                )
                raise _tag_error(found, problem)
            open_blocks.pop()
    if open_blocks:
        end, found = open_blocks[-1]
        raise _tag_error(found, _("the block is never ended with “%(end)s”") % {"end": "{% " + end + " %}"})


def _tag_error(found: Tag | None, problem: str) -> InputError:
    if found is None:
        return InputError(_("The template has an error: %(problem)s.") % {"problem": problem})
    return InputError(
        _("The template has an error at “%(tag)s” (in “%(text)s”): %(problem)s.")
        % {"tag": _shorten(found.text), "text": _around(found.paragraph, found.text), "problem": problem}
    )


def _shorten(text: str, limit: int = CONTEXT_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _around(paragraph: str, text: str) -> str:
    """The paragraph around ``text``: up to CONTEXT_CHARS characters each side."""
    at = paragraph.find(text)
    start, end = max(0, at - CONTEXT_CHARS), min(len(paragraph), at + len(text) + CONTEXT_CHARS)
    return ("…" if start else "") + paragraph[start:end].strip() + ("…" if end < len(paragraph) else "")


UNKNOWN_FILTER = re.compile(r"No filter named '([^']+)'")
UNKNOWN_TEST = re.compile(r"No test named '([^']+)'")
UNKNOWN_TAG = re.compile(r"Encountered unknown tag '([^']+)'")


def _syntax_message(exc: jinja2.TemplateSyntaxError, paragraphs: Sequence[str]) -> str:
    message = exc.message or ""
    if match := UNKNOWN_FILTER.search(message):
        found = _find_tag(paragraphs, match.group(1))
        return _tag_error(found, _("there is no filter “%(name)s”") % {"name": match.group(1)}).detail
    if match := UNKNOWN_TEST.search(message):
        found = _find_tag(paragraphs, match.group(1))
        return _tag_error(found, _("there is no test “%(name)s”") % {"name": match.group(1)}).detail
    if match := UNKNOWN_TAG.search(message):
        found = _find_tag(paragraphs, match.group(1))
        return _tag_error(found, _("there is no tag “%(name)s”") % {"name": match.group(1)}).detail
    line = _line_text(exc)
    first = next(iter(_tags([line])), None) if line else None
    found = next((t for t in _tags(paragraphs) if first and t.text == first.text), first)
    return _tag_error(found, message.rstrip(".")).detail


def _line_text(exc: jinja2.TemplateSyntaxError) -> str:
    """The text of the paragraph Jinja's line number points at (docxtpl puts each paragraph on a line)."""
    source, lineno = exc.source or "", exc.lineno or 0
    lines = source.splitlines()
    if not 0 < lineno <= len(lines):
        return ""
    return re.sub(r"<[^>]+>", "", lines[lineno - 1])


def _undefined_name(message: str) -> str:
    """The name in "'foo' is undefined" or "'dict object' has no attribute 'foo'"."""
    match = re.search(r"has no attribute '([^']+)'", message) or re.search(r"^'([^']+)' is undefined", message)
    return match.group(1) if match else ""


def _find_tag(paragraphs: Sequence[str], name: str) -> Tag | None:
    """The first tag that mentions ``name`` as a word."""
    word = re.compile(rf"(?<![\w]){re.escape(name)}(?![\w])")
    return next((t for t in _tags(paragraphs) if word.search(t.text)), None)
