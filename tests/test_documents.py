"""Official documents from DOCX templates (cchc.documents): the shipped defaults in the format of
Nghị định 30/2020, the check of a replacement, its use for one year, and who may change templates."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from docx import Document
from docx.shared import Mm

from cchc.core.models import AuditEntry
from cchc.core.tabular import InputError
from cchc.documents import engine, kinds, services
from cchc.documents.models import DocumentTemplate
from conftest import client_for

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read(content: bytes) -> tuple[Any, str]:
    document = Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    return document, "\n".join(parts)


def sample(code: str) -> bytes:
    return engine.render_with(kinds.get(code).default_path.read_bytes(), {"year": 2026, **kinds.get(code).sample()})


def edited(code: str, old: str, new: str) -> bytes:
    """The default template of ``code`` with ``old`` replaced by ``new`` in its text (as Word would save it)."""
    document = Document(str(kinds.get(code).default_path))
    for paragraph in document.element.body.iter(f"{W}p"):
        for text in paragraph.iter(f"{W}t"):
            if text.text and old in text.text:
                text.text = text.text.replace(old, new)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "mau.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize("code", list(kinds.KINDS))
def test_each_default_renders_in_the_decree_30_layout(code: str) -> None:
    document, text = read(sample(code))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    margins = [
        round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ]
    assert margins == [20, 20, 30, 15]
    assert document.styles["Normal"].font.name == "Times New Roman" and document.styles["Normal"].font.size.pt == 14
    for line in (
        "ỦY BAN NHÂN DÂN",
        "TỈNH HÒA AN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Số:    /BC-UBND",
        "Hòa An, ngày 01 tháng 12 năm 2026",
        "BÁO CÁO",
        "(KẾT QUẢ TẠM TÍNH)",
        "Nơi nhận:",
        "- Bộ Nội vụ (b/c);",
        "TM. ỦY BAN NHÂN DÂN",
        "Nguyễn Văn An",
    ):
        assert line in text, line
    assert "{{" not in text and "{%" not in text
    fonts = {r.font.name for p in document.paragraphs for r in p.runs if r.font.name}
    assert fonts == {"Times New Roman"}
    grids = document.tables[1:-1] if code == "ranking" else document.tables[1:]
    grids = [t for t in grids if "Nơi nhận:" not in t.rows[0].cells[0].text]
    assert grids
    for table in grids:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(f"{W}tblHeader") is not None
        assert all(row.trPr is not None and row.trPr.find(f"{W}cantSplit") is not None for row in rows)


def test_the_periodic_report_has_its_sections_tables_and_appendices() -> None:
    document, text = read(sample("province_year"))
    for line in (
        "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH",
        "1. Cải cách thể chế",
        "Bảng 2. Văn bản quy phạm pháp luật",
        "Văn bản quy phạm pháp luật được ban hành",
        "PHỤ LỤC 1",
        "PHỤ LỤC 2",
        "Cải cách thể chế",
        "14.291",
        "Khối Sở, ban, ngành",
        "73.516",
    ):
        assert line in text, line
    appendix2 = document.tables[-1]
    assert [c.text for c in appendix2.rows[-1].cells][:3] == ["1", "Sở Tư pháp", "83.300"]
    subtotal = appendix2.rows[-2].cells[1].paragraphs[0].runs[0]
    assert subtotal.text == "Khối Sở, ban, ngành" and subtotal.font.bold
    assert not appendix2.rows[-1].cells[1].paragraphs[0].runs[0].font.bold
    # Each appendix on a landscape page of its own; the body portrait, and no blank section at the end.
    assert [s.page_width > s.page_height for s in document.sections] == [False, True, True]


def test_without_appendices_the_document_is_one_portrait_section() -> None:
    kind = kinds.get("agency")
    context = {**kind.sample(), "appendix1": None, "appendix2": None, "preliminary": ""}
    document, text = read(engine.render_with(kind.default_path.read_bytes(), context))
    assert "PHỤ LỤC" not in text and "TẠM TÍNH" not in text
    assert len(document.sections) == 1 and document.sections[0].page_width < document.sections[0].page_height


def test_text_with_markup_characters_is_written_as_text() -> None:
    kind = kinds.get("agency")
    context = {**kind.sample(), "intro": "Sở Lao động & Xã hội <thí điểm>"}
    _document, text = read(engine.render_with(kind.default_path.read_bytes(), context))
    assert "Sở Lao động & Xã hội <thí điểm>" in text


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ("{%p for line in recipients %}", "{%p for line in recipients %}{% for x in y %}", "{% for x in y %}"),
        ("{{ place_date }}", "{{ place_date", "{{ place_date"),
        ("{{ signer_name }}", "{{ signer_name|upperr }}", "upperr"),
        ("{{ signer_name }}", "{{ signer_nme }}", "signer_nme"),
        ("{{ line }}", "{{ line.nme }}", "nme"),
        ("{%p endif %}", "{%p endfor %}", "{%p endfor %}"),
    ],
)
@pytest.mark.django_db
def test_a_broken_tag_is_refused_with_a_message_naming_it(personas: Any, old: str, new: str, named: str) -> None:
    content = edited("agency", old, new)
    assert content != kinds.get("agency").default_path.read_bytes()
    with pytest.raises(InputError) as error:
        services.replace_template(personas.coordinator, "agency", 2026, upload(content))
    message = str(error.value)
    assert named in message and "\n" not in message
    assert not DocumentTemplate.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_messages_are_in_vietnamese(personas: Any) -> None:
    with pytest.raises(InputError, match=r"Mẫu có lỗi tại “\{\{ place_date”.*thẻ chưa được đóng"):
        services.replace_template(
            personas.coordinator, "agency", 2026, upload(edited("agency", "{{ place_date }}", "{{ place_date"))
        )
    with pytest.raises(InputError, match="không phải tệp Word"):
        services.replace_template(personas.coordinator, "agency", 2026, upload(b"%PDF-1.4 not a template"))


@pytest.mark.django_db
def test_a_file_that_is_not_a_docx_is_refused(personas: Any) -> None:
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("hello.txt", "not a document")
    for content in (b"plain text", zipped.getvalue()):
        with pytest.raises(InputError):
            services.replace_template(personas.coordinator, "ranking", 2026, upload(content))
    assert not DocumentTemplate.objects.exists()


@pytest.mark.django_db
def test_a_replacement_serves_its_year_only_and_revert_goes_back(personas: Any) -> None:
    content = edited("ranking", "II. ĐỀ XUẤT, KIẾN NGHỊ", "II. KIẾN NGHỊ CỦA TỈNH")
    template = services.replace_template(personas.coordinator, "ranking", 2026, upload(content, "xep-hang.docx"))
    assert template.file_name == "xep-hang.docx" and len(template.sha256) == 64
    context = kinds.get("ranking").sample()
    _d, this_year = read(engine.render("ranking", 2026, context))
    _d, next_year = read(engine.render("ranking", 2027, context))
    assert "II. KIẾN NGHỊ CỦA TỈNH" in this_year and "II. ĐỀ XUẤT, KIẾN NGHỊ" not in this_year
    assert "II. ĐỀ XUẤT, KIẾN NGHỊ" in next_year
    entry = AuditEntry.objects.get(object_id=str(template.pk), action="create")
    assert entry.user == personas.coordinator and entry.changes["file_name"] == [None, "xep-hang.docx"]
    assert entry.agency is not None and entry.agency.parent_id is None

    assert services.revert_template(personas.coordinator, "ranking", 2026)
    _d, reverted = read(engine.render("ranking", 2026, context))
    assert "II. ĐỀ XUẤT, KIẾN NGHỊ" in reverted
    assert AuditEntry.objects.filter(object_id=str(template.pk), action="delete").exists()
    assert not services.revert_template(personas.coordinator, "ranking", 2026)


@pytest.mark.django_db
def test_only_the_province_coordinator_and_administrators_replace_templates(personas: Any) -> None:
    content = kinds.get("ranking").default_path.read_bytes()
    for persona in (personas.officer_a, personas.head, personas.viewer, personas.district_coordinator):
        with pytest.raises(PermissionDenied):
            services.replace_template(persona, "ranking", 2026, upload(content))
        with pytest.raises(PermissionDenied):
            services.revert_template(persona, "ranking", 2026)
        assert client_for(persona).get("/documents/templates/").status_code == 403
        response = client_for(persona).post(
            "/documents/templates/", {"action": "upload", "kind": "ranking", "year": "2026", "file": upload(content)}
        )
        assert response.status_code == 403
    assert not DocumentTemplate.objects.exists()
    services.replace_template(personas.admin, "ranking", 2026, upload(content))
    assert DocumentTemplate.objects.count() == 1


@pytest.mark.django_db
def test_the_templates_page_lists_uploads_downloads_and_reverts(personas: Any) -> None:
    client = client_for(personas.coordinator)
    page = client.get("/documents/templates/?year=2026").content.decode()
    assert "Báo cáo Chỉ số và xếp hạng CCHC" in page and "Mẫu mặc định" in page
    default = client.get("/documents/templates/download/?kind=ranking&year=2026")
    assert default.status_code == 200 and default.content == kinds.get("ranking").default_path.read_bytes()
    assert client.get("/documents/templates/download/?kind=nope").status_code == 404

    broken = edited("ranking", "{{ place_date }}", "{{ place_date")
    response = client.post(
        "/documents/templates/",
        {"action": "upload", "kind": "ranking", "year": "2026", "file": upload(broken)},
        follow=True,
    )
    assert "{{ place_date" in response.content.decode() and not DocumentTemplate.objects.exists()

    content = edited("ranking", "II. ĐỀ XUẤT, KIẾN NGHỊ", "II. KIẾN NGHỊ")
    response = client.post(
        "/documents/templates/",
        {"action": "upload", "kind": "ranking", "year": "2026", "file": upload(content, "mau-moi.docx")},
        follow=True,
    )
    page = response.content.decode()
    assert "mau-moi.docx" in page and str(personas.coordinator) in page
    assert client.get("/documents/templates/download/?kind=ranking&year=2026").content == content
    client.post("/documents/templates/", {"action": "revert", "kind": "ranking", "year": "2026"})
    assert not DocumentTemplate.objects.exists()


def test_the_shipped_defaults_are_what_the_script_writes(tmp_path: Path) -> None:
    from cchc.documents.build_defaults import build

    for path in build(tmp_path):
        shipped = kinds.get(path.stem).default_path
        assert read(path.read_bytes())[1] == read(shipped.read_bytes())[1], (
            f"run python -m cchc.documents.build_defaults ({path.name})"
        )


def test_every_default_passes_the_check() -> None:
    for code, kind in kinds.KINDS.items():
        engine.check_template(code, kind.default_path.read_bytes())


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.django_db
def test_sample_documents_writes_each_kind_as_docx_and_pdf(tmp_path: Path) -> None:
    call_command("sample_documents", "--out", str(tmp_path), stdout=io.StringIO())
    for code in kinds.KINDS:
        assert (tmp_path / f"{code}.docx").read_bytes().startswith(b"PK")
        assert (tmp_path / f"{code}.pdf").read_bytes().startswith(b"%PDF")
