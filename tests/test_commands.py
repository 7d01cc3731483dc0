"""The commands a person types: Vietnamese, one line and a non-zero exit status when there is
nothing to work on or the input is bad, never a traceback (DESIGN §8.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from cchc.agencies.models import Agency
from tests.test_i18n import compiled_catalogue  # noqa: F401  (the fixture)

pytestmark = pytest.mark.usefixtures("compiled_catalogue")
APPS = {
    "demo_data": "cchc.core",
    "dossier_stats": "cchc.dossiers",
    "export_agencies": "cchc.agencies",
    "export_framework": "cchc.scoring",
    "import_framework": "cchc.scoring",
    "import_scores": "cchc.scoring",
    "copy_framework": "cchc.scoring",
}


def cli(capsys: pytest.CaptureFixture[str], name: str, *argv: str) -> tuple[int, str, str]:
    """The command as `cchc NAME ARGV…` runs it (parsed, flagged as from the command line), in this
    test's database: ``run_from_argv`` would also close the database connections under the test."""
    command = load_command_class(APPS[name], name)
    command._called_from_command_line = True
    options = vars(command.create_parser("cchc", name).parse_args(list(argv)))
    args = options.pop("args", ())
    try:
        command.execute(*args, **options)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 1, (out, err)
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and "CommandError" not in err, err
    assert err.startswith("Lỗi: "), err
    return err.strip()


def test_a_bad_input_from_the_command_line_is_one_vietnamese_line(tmp_path: Path):
    """The real console command, in its own process: one line on standard error, exit status 1."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "DJANGO_"))}
    env.update(CCHC_DATA_DIR=str(tmp_path), CCHC_LANGUAGE="vi", LANG="en_US.UTF-8")
    missing = tmp_path / "no-such-file.csv"
    result = subprocess.run(
        [sys.executable, "-m", "cchc.manage", "import_dossiers", str(missing)],
        cwd=Path(__file__).resolve().parents[1],  # the `cchc` console command of this checkout
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr == f"Lỗi: không tìm thấy tệp: {missing}\n"
    assert result.stdout == ""


def test_from_code_a_refusal_is_still_a_command_error(db):
    with pytest.raises(CommandError, match="khối “X” chưa có bộ tiêu chí năm 2030"):
        call_command("export_framework", "--year", "2030", "--block", "X", "--out", "x.csv")


def test_dossier_stats_of_an_empty_period_is_one_line(province, capsys):
    code, out, err = cli(capsys, "dossier_stats", "--from", "2030-01-01", "--to", "2030-12-31")
    assert (code, err) == (0, "")
    assert out == (
        "Không có hồ sơ nào được tiếp nhận, chuyển từ kỳ trước hoặc giải quyết từ 01/01/2030 đến 31/12/2030.\n"
    )
    # A machine still gets its document, with zeros.
    code, out, err = cli(capsys, "dossier_stats", "--from", "2030-01-01", "--to", "2030-12-31", "--format", "json")
    assert code == 0
    assert json.loads(out)["groups"][0]["received"] == 0


def test_export_agencies_with_no_agencies_is_one_line(db, capsys):
    assert not Agency.objects.exists()
    message = one_line_error(*cli(capsys, "export_agencies"))
    assert message == "Lỗi: chưa có cơ quan nào để xuất; hãy nhập bằng import_agencies trước"


def test_framework_commands_for_a_year_without_blocks_or_frameworks(province, capsys, tmp_path):
    scores = tmp_path / "scores.csv"
    scores.write_text("agency_code,criterion_code,self_score,appraised_score,final_score,note\nSA,1.1,1,,,\n")
    out = str(tmp_path / "framework.csv")
    cases = [
        (("export_framework", "--year", "2030", "--block", "X", "--out", out), "khối “X” chưa có bộ tiêu chí năm 2030"),
        (("import_framework", str(scores), "--year", "2030", "--block", "X"), "không có khối “X” trong năm 2030"),
        (("import_scores", str(scores), "--year", "2030"), "năm 2030 chưa có bộ tiêu chí Chỉ số CCHC nào"),
        (("copy_framework", "--year", "2030"), "không có khối nào trong năm 2030"),
        (("copy_framework", "--year", "2025", "--block", "X"), "không có khối “X” trong năm 2025"),
    ]
    for argv, expected in cases:
        message = one_line_error(*cli(capsys, *argv))
        assert expected in message, (argv, message)
    assert not Path(out).exists()


def test_demo_if_empty_says_so_in_vietnamese(province):
    out = StringIO()
    call_command("demo_data", "--if-empty", stdout=out)
    assert out.getvalue().startswith("Cơ sở dữ liệu đã có dữ liệu; không nạp lại tỉnh mẫu.\n")
