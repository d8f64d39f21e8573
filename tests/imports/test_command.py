"""`manage.py import_deliberation PATH [--dry-run]`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from delegates.models import Delegate
from suggestions.models import CongressSession, Event, Remark, Suggestion
from tests.imports.conftest import SOURCE_TEXT, docx_bytes, line_of

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_deliberation", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def source_file(tmp_path):
    path = tmp_path / "summary.txt"
    path.write_text(SOURCE_TEXT, encoding="gb18030")
    return path


def test_import_then_reimport(source_file):
    out, _err = run(str(source_file))
    assert (
        out.splitlines()[0]
        == "市十七届人大二次会议：新建会议1，新建主题7，新建代表107，新建建议30，新建审议发言57。"
    )
    assert "+ 建议 第1号（一-1）聚焦项目引建（第38行）" in out
    assert (Suggestion.objects.count(), Delegate.objects.count(), Remark.objects.count()) == (30, 107, 57)
    assert Event.objects.count() == 30

    out, _err = run(str(source_file))
    assert out.splitlines()[0] == "市十七届人大二次会议：与数据库一致，没有需要导入的变化。"
    assert Event.objects.count() == 30


def test_dry_run_prints_the_changes_and_writes_nothing(source_file, tmp_path):
    run(str(source_file))
    corrected = tmp_path / "corrected.docx"
    corrected.write_bytes(
        docx_bytes(SOURCE_TEXT.replace("打造高质量“产业生态圈”", "打造高质量“产业生态圈”和“创新生态圈”"))
    )

    out, _err = run(str(corrected), "--dry-run")

    assert out.splitlines()[:2] == [
        "试运行（--dry-run），未写入任何数据。",
        "市十七届人大二次会议：更新建议1。",
    ]
    assert "~ 建议 第2号（一-2）做强产业标识（第40行）" in out
    assert "打造高质量“产业生态圈”{+和“创新生态圈”+}" in out
    assert "和“创新生态圈”" not in Suggestion.objects.get(number=2).text


def test_dry_run_on_an_empty_database_writes_nothing(source_file):
    out, _err = run(str(source_file), "--dry-run", "--brief")
    assert "新建建议30" in out
    assert "+ 建议" not in out  # --brief: the counts only
    assert not CongressSession.objects.exists() and not Delegate.objects.exists()


def test_problems_go_to_stderr_with_their_lines_and_nothing_is_written(tmp_path):
    text = SOURCE_TEXT.replace(
        "六是关于增强民生服务保障力方面（5条）", "六是关于增强民生服务保障力方面（6条）"
    ).replace("3.完善医疗支撑。徐波、王志萍、胡春江代表建议", "3.完善医疗支撑。")
    path = tmp_path / "broken.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    err = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_deliberation", str(path), stdout=StringIO(), stderr=err)

    assert "发现2处问题，未写入任何数据" in str(error.value)
    lines = err.getvalue().splitlines()
    theme_line, item_line = line_of(text, "六是关于增强民生服务保障力方面"), line_of(text, "3.完善医疗支撑")
    assert (
        lines[0] == f"第{theme_line}行: 第六主题声明6条，实际找到5条 «六是关于增强民生服务保障力方面（6条）»"
    )
    assert lines[1].startswith(
        f"第{item_line}行: 第六主题第3条缺少提议代表（未找到“……代表建议”） «3.完善医疗支撑。"
    )
    assert not Suggestion.objects.exists() and not Delegate.objects.exists()


def test_an_unreadable_file_is_a_command_error(tmp_path):
    path = tmp_path / "summary.docx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CommandError):
        call_command("import_deliberation", str(path), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command(
            "import_deliberation", str(tmp_path / "missing.txt"), stdout=StringIO(), stderr=StringIO()
        )


def test_the_importer_can_be_named(source_file, staff):
    run(str(source_file), "--user", "staff", "--brief")
    assert Event.objects.filter(actor=staff).count() == 30
    with pytest.raises(CommandError, match="没有用户"):
        run(str(source_file), "--user", "nobody")
