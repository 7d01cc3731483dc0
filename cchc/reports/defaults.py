"""The default PAR report form (biểu mẫu báo cáo CCHC định kỳ), following the outline of the seeds'
quarterly, six-month and annual reports (``002``, ``004``, ``003``):

I. Công tác chỉ đạo, điều hành (plan, documents, inspections, propaganda); II. Kết quả thực hiện các
nhiệm vụ CCHC, a part per PAR area of DESIGN §5.1 (the direction area is section I), each with its
narrative, its figures where the seeds give some, and a table of the area's tasks; III. Đánh giá
chung; IV. Phương hướng, nhiệm vụ thời gian tới.

The dossier figures of the procedures part are filled by the system (``dossiers.<indicator>``, the
counts of ``cchc.dossiers.stats``), and their rules are the identities of DESIGN §6: resolved = early +
on time + late; pending = within deadline + overdue; and, over the period, what was carried over plus
what was received is what was resolved, returned, withdrawn or is still pending at the period's end
(returned and withdrawn dossiers are received but neither resolved nor pending).

The texts are Vietnamese as the seeds write them: they are the form's content, which a coordinator
edits in the workbook (``export_form``), not strings of the interface.
"""

from __future__ import annotations

from typing import Any

from cchc.reports.forms_io import Definition, FieldRow, RuleRow, SectionRow, save_form
from cchc.reports.models import FieldKind, ReportForm, RuleStrength

CODE = "par"
NAME = "Báo cáo tình hình, kết quả thực hiện công tác cải cách hành chính"
TASK_COLUMNS = [
    {"code": "task", "label": "Nhiệm vụ", "kind": FieldKind.TEXT},
    {"code": "result", "label": "Kết quả thực hiện", "kind": FieldKind.TEXT},
    {"code": "status", "label": "Tình trạng", "kind": FieldKind.TEXT},
]
TASK_HELP = "Mỗi dòng một nhiệm vụ của kế hoạch CCHC; tình trạng: đã hoàn thành, đang thực hiện hoặc chưa thực hiện."

# (code, title, level)
SECTIONS = [
    ("direction", "I. Công tác chỉ đạo, điều hành CCHC", 1),
    ("results", "II. Kết quả thực hiện các nhiệm vụ CCHC", 1),
    ("institutions", "1. Cải cách thể chế", 2),
    ("procedures", "2. Cải cách thủ tục hành chính", 2),
    ("organisation", "3. Cải cách tổ chức bộ máy hành chính nhà nước", 2),
    ("civil_service", "4. Cải cách chế độ công vụ", 2),
    ("public_finance", "5. Cải cách tài chính công", 2),
    ("digital_government", "6. Xây dựng và phát triển Chính quyền điện tử, Chính quyền số", 2),
    ("assessment", "III. Đánh giá chung", 1),
    ("outlook", "IV. Phương hướng, nhiệm vụ thời gian tới", 1),
]


def _text(code: str, section: str, label: str, required: bool = False, help: str = "") -> FieldRow:
    return FieldRow(code, section, label, FieldKind.TEXT, required, help=help)


def _number(code: str, section: str, label: str, unit: str, prefill: str = "", help: str = "") -> FieldRow:
    return FieldRow(code, section, label, FieldKind.NUMBER, unit=unit, prefill=prefill, help=help)


def _dossiers(code: str, label: str) -> FieldRow:
    return _number(code, "procedures", label, "hồ sơ", prefill=f"dossiers.{code}")


def _tasks(area: str) -> FieldRow:
    return FieldRow(
        f"{area}_tasks",
        area,
        "Kết quả thực hiện các nhiệm vụ của kế hoạch",
        FieldKind.TABLE,
        columns=[dict(c) for c in TASK_COLUMNS],
        help=TASK_HELP,
    )


FIELDS = [
    # I. Công tác chỉ đạo, điều hành
    _text(
        "plan",
        "direction",
        "Ban hành và triển khai kế hoạch CCHC",
        required=True,
        help="Số, ngày ban hành kế hoạch CCHC năm; số nhiệm vụ trọng tâm, nhiệm vụ và giải pháp cụ thể.",
    ),
    _number("plan_tasks", "direction", "Số nhiệm vụ trong kế hoạch CCHC", "nhiệm vụ"),
    _number("plan_tasks_done", "direction", "Số nhiệm vụ đã hoàn thành", "nhiệm vụ"),
    # The tasks of the province's plans the agency leads, as the system follows them (cchc.plans)
    _number(
        "tasks_assigned",
        "direction",
        "Số nhiệm vụ CCHC được giao (theo dõi trên Hệ thống)",
        "nhiệm vụ",
        prefill="tasks.assigned",
    ),
    _number(
        "tasks_done_on_time", "direction", "Trong đó: hoàn thành đúng hạn", "nhiệm vụ", prefill="tasks.done_on_time"
    ),
    _number("tasks_done_late", "direction", "Trong đó: hoàn thành trễ hạn", "nhiệm vụ", prefill="tasks.done_late"),
    _number(
        "tasks_open_overdue",
        "direction",
        "Trong đó: chưa hoàn thành, quá hạn",
        "nhiệm vụ",
        prefill="tasks.open_overdue",
    ),
    _number(
        "tasks_open_in_time",
        "direction",
        "Trong đó: đang thực hiện, trong hạn",
        "nhiệm vụ",
        prefill="tasks.open_in_time",
    ),
    _text("steering", "direction", "Chỉ đạo, điều hành công tác CCHC", required=True),
    _number("documents_issued", "direction", "Số văn bản chỉ đạo, điều hành CCHC đã ban hành", "văn bản"),
    _text("propaganda", "direction", "Tuyên truyền CCHC"),
    _number("propaganda_items", "direction", "Số tin, bài, chuyên mục tuyên truyền CCHC", "tin, bài"),
    _text("inspection", "direction", "Kiểm tra CCHC"),
    _number("inspections_planned", "direction", "Số cơ quan, đơn vị được kiểm tra theo kế hoạch", "cơ quan, đơn vị"),
    _number("inspections_done", "direction", "Số cơ quan, đơn vị đã kiểm tra", "cơ quan, đơn vị"),
    _number("inspection_findings", "direction", "Số hạn chế, thiếu sót phát hiện qua kiểm tra", "vấn đề"),
    _number("inspection_findings_fixed", "direction", "Số hạn chế, thiếu sót đã khắc phục", "vấn đề"),
    # II.1 Cải cách thể chế
    _text("institutions_results", "institutions", "Kết quả cải cách thể chế", required=True),
    _number("legal_documents_issued", "institutions", "Số văn bản quy phạm pháp luật đã ban hành", "văn bản"),
    _number(
        "legal_documents_reviewed", "institutions", "Số văn bản quy phạm pháp luật đã rà soát, kiểm tra", "văn bản"
    ),
    _tasks("institutions"),
    # II.2 Cải cách thủ tục hành chính
    _text("procedures_results", "procedures", "Kết quả cải cách thủ tục hành chính", required=True),
    _number("procedures_published", "procedures", "Số thủ tục hành chính được công bố trong kỳ", "thủ tục"),
    _number("procedures_total", "procedures", "Tổng số thủ tục hành chính thuộc thẩm quyền giải quyết", "thủ tục"),
    _number(
        "feedback_received", "procedures", "Số phản ánh, kiến nghị về quy định hành chính đã tiếp nhận", "phản ánh"
    ),
    _dossiers("carried_over", "Số hồ sơ từ kỳ trước chuyển qua"),
    _dossiers("received", "Số hồ sơ tiếp nhận mới trong kỳ"),
    _dossiers("resolved", "Số hồ sơ đã giải quyết"),
    _dossiers("early", "Trong đó: giải quyết trước hạn (sớm hạn)"),
    _dossiers("on_time", "Trong đó: giải quyết đúng hạn"),
    _dossiers("late", "Trong đó: giải quyết quá hạn (trễ hạn)"),
    _dossiers("pending", "Số hồ sơ đang giải quyết"),
    _dossiers("pending_in_time", "Trong đó: trong hạn"),
    _dossiers("pending_overdue", "Trong đó: quá hạn"),
    _dossiers("returned", "Số hồ sơ trả lại (không đủ điều kiện giải quyết)"),
    _dossiers("withdrawn", "Số hồ sơ công dân, tổ chức rút"),
    _dossiers("online", "Số hồ sơ tiếp nhận trực tuyến"),
    _dossiers("postal", "Số hồ sơ tiếp nhận, trả kết quả qua dịch vụ bưu chính công ích"),
    _tasks("procedures"),
    # II.3 Cải cách tổ chức bộ máy
    _text("organisation_results", "organisation", "Kết quả cải cách tổ chức bộ máy", required=True),
    _tasks("organisation"),
    # II.4 Cải cách chế độ công vụ
    _text("civil_service_results", "civil_service", "Kết quả cải cách chế độ công vụ", required=True),
    _number(
        "staff_trained", "civil_service", "Số lượt cán bộ, công chức, viên chức được đào tạo, bồi dưỡng", "lượt người"
    ),
    _tasks("civil_service"),
    # II.5 Cải cách tài chính công
    _text("public_finance_results", "public_finance", "Kết quả cải cách tài chính công", required=True),
    _number(
        "administrative_savings", "public_finance", "Kinh phí tiết kiệm từ khoán chi quản lý hành chính", "triệu đồng"
    ),
    _tasks("public_finance"),
    # II.6 Chính quyền điện tử, chính quyền số
    _text(
        "digital_government_results",
        "digital_government",
        "Kết quả xây dựng Chính quyền điện tử, Chính quyền số",
        required=True,
    ),
    _number(
        "documents_online_share",
        "digital_government",
        "Tỷ lệ văn bản đi, đến được gửi, nhận trên môi trường mạng",
        "%",
    ),
    _tasks("digital_government"),
    # III. Đánh giá chung
    _text("achievements", "assessment", "Ưu điểm, kết quả nổi bật", required=True),
    _text("limitations", "assessment", "Tồn tại, hạn chế", required=True),
    _text("causes", "assessment", "Nguyên nhân của tồn tại, hạn chế"),
    # IV. Phương hướng, nhiệm vụ thời gian tới
    _text("next_tasks", "outlook", "Phương hướng, nhiệm vụ trọng tâm thời gian tới", required=True),
    _text("proposals", "outlook", "Đề xuất, kiến nghị"),
]

HARD, SOFT = RuleStrength.HARD, RuleStrength.SOFT
RULES = [
    RuleRow(
        "resolved_sum",
        "resolved = early + on_time + late",
        "Số hồ sơ đã giải quyết phải bằng tổng số hồ sơ giải quyết sớm hạn, đúng hạn và trễ hạn.",
    ),
    RuleRow(
        "pending_sum",
        "pending = pending_in_time + pending_overdue",
        "Số hồ sơ đang giải quyết phải bằng tổng số hồ sơ trong hạn và quá hạn.",
    ),
    RuleRow(
        "dossier_balance",
        "received + carried_over >= resolved + pending",
        "Số hồ sơ đã giải quyết và đang giải quyết không thể vượt quá số hồ sơ tiếp nhận mới cộng số hồ sơ "
        "kỳ trước chuyển qua.",
    ),
    RuleRow(
        "dossier_flow",
        "received + carried_over = resolved + returned + withdrawn + pending",
        "Số hồ sơ tiếp nhận mới cộng số hồ sơ kỳ trước chuyển qua phải bằng số hồ sơ đã giải quyết, trả lại, "
        "rút và đang giải quyết cuối kỳ.",
    ),
    RuleRow(
        "online_within_received",
        "online <= received",
        "Số hồ sơ tiếp nhận trực tuyến không thể vượt quá số hồ sơ tiếp nhận mới trong kỳ.",
    ),
    RuleRow(
        "plan_tasks_done",
        "plan_tasks_done <= plan_tasks",
        "Số nhiệm vụ đã hoàn thành không thể vượt quá số nhiệm vụ trong kế hoạch.",
    ),
    RuleRow(
        "documents_online_share",
        "documents_online_share >= 0 and documents_online_share <= 100",
        "Tỷ lệ văn bản gửi, nhận trên môi trường mạng là một tỷ lệ phần trăm, từ 0 đến 100.",
    ),
    RuleRow(
        "inspections_within_plan",
        "inspections_done <= inspections_planned",
        "Số cơ quan, đơn vị đã kiểm tra nhiều hơn số theo kế hoạch: đề nghị giải trình (kiểm tra đột xuất, "
        "bổ sung kế hoạch…).",
        SOFT,
    ),
    RuleRow(
        "findings_fixed",
        "inspection_findings_fixed <= inspection_findings",
        "Số hạn chế, thiếu sót đã khắc phục nhiều hơn số phát hiện trong kỳ: đề nghị giải trình (khắc phục "
        "thiếu sót của kỳ trước…).",
        SOFT,
    ),
    RuleRow(
        "late_rate_target",
        "(late + pending_overdue) * 100 <= resolved + pending",
        "Tỷ lệ hồ sơ trễ hạn vượt 1% (mục tiêu của kế hoạch CCHC): đề nghị giải trình nguyên nhân và giải pháp "
        "khắc phục.",
        SOFT,
    ),
]


def default_definition() -> Definition:
    return Definition(
        code=CODE,
        name=NAME,
        sections=[SectionRow(code, title, level, order) for order, (code, title, level) in enumerate(SECTIONS)],
        fields=[FieldRow(**{**vars(f), "columns": [dict(c) for c in f.columns]}) for f in FIELDS],
        rules=[RuleRow(**vars(r)) for r in RULES],
    )


def default_form(year: int, user: Any = None) -> ReportForm:
    """The year's PAR form: its latest version when it has one, otherwise the default one, created."""
    existing = ReportForm.objects.filter(year=year, code=CODE).order_by("-version").first()
    return existing or save_form(default_definition(), year, user=user)
