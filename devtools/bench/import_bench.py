"""Benchmark: import a generated deliberation summary of 1,000 suggestions into a fresh database.

    python bench/import_bench.py [--suggestions 1000] [--database-url sqlite:////tmp/x.sqlite3]

Without --database-url a temporary SQLite file is created (and removed afterwards); a PostgreSQL URL must
name an empty, migratable database.  Prints the seconds taken by the import (read + parse + plan + write
in one transaction), then by a second import of the same document (nothing to change).  Target: under 5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CN_NUMERALS = "一二三四五六七八九十"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红梅鹏飞建国志宏海燕雪琴晓东"
PHRASES = [
    "大抓项目、抓大项目，以项目建设牵引有效投资",
    "全力推动重大项目建设各环节全面提速增效",
    "以重点产业链为工作主线，在新产业发展谋划布局",
    "依托协会等载体交流学习，促进本土中小企业发展",
    "加快港口型国家物流枢纽城市建设，持续优化港区产业布局",
    "加大对创新创业平台的资助力度，激励企业研发平台提档升级",
    "加快老旧小区改造，完善基础设施，有序推进增梯工作",
    "深化河湖长制改革，全面完成“消劣争优”攻坚行动任务",
    "做好基层医疗机构供给保障，不断夯实基层医疗网格",
    "深入推进网格化社会治理联动机制，大力化解信访积案",
    "严查非法人力资源市场，摸排劳务派遣市场存在隐患",
    "将数字技术充分用于农业生产的各个环节",
]
TOPICS = [
    "项目引建",
    "产业标识",
    "民企发展",
    "文旅发展",
    "协同发展",
    "开放合作",
    "资源要素",
    "企业创新",
    "技能人才",
]


def _names(rng: random.Random, count: int) -> list[str]:
    names: set[str] = set()
    while len(names) < count:
        names.add(rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2)))))
    return sorted(names)


def generate(suggestions: int = 1000, *, themes: int = 7, people: int = 400, seed: int = 2023) -> str:
    """A deliberation summary with ``suggestions`` items under ``themes`` themes and a few remarks."""
    rng = random.Random(seed)
    pool = _names(rng, people)
    attendees = set(pool[:5])

    def attribution(names: list[str]) -> str:
        parts, pending = [], []
        for name in names:
            if name in attendees:
                if pending:
                    parts.append("、".join(pending) + "代表")
                    pending = []
                parts.append(name + "列席代表")
            else:
                pending.append(name)
        if pending:
            parts.append("、".join(pending) + "代表")
        return "、".join(parts)

    lines = [
        "太仓市人大常委会办公室编                2024年2月10日",
        "关于市十七届人大三次会议审议",
        "2024年1月8日至10日，出席市十七届人大三次会议的代表们认真审议了《政府工作报告》。现将审议情况汇总如下：",
        "一、关于对本届政府及2023年政府工作的情况回顾",
    ]
    for section in range(1, 7):
        body = "".join(
            f"{attribution(rng.sample(pool, rng.randint(1, 3)))}认为，{rng.choice(PHRASES)}。"
            for _ in range(3)
        )
        lines.append(f"（{CN_NUMERALS[section - 1]}）坚定不移抓发展第{section}方面成效更好。{body}")
    lines.append("二、关于2024年目标任务和主要工作")
    for section in range(1, 9):
        body = "".join(
            f"{attribution(rng.sample(pool, rng.randint(1, 3)))}表示，{rng.choice(PHRASES)}。"
            for _ in range(3)
        )
        lines.append(f"（{CN_NUMERALS[section - 1]}）突出重点第{section}项工作。{body}")
    lines.append("三、关于对2024年政府工作的意见和建议")
    sizes = [suggestions // themes + (1 if t < suggestions % themes else 0) for t in range(themes)]
    for t, size in enumerate(sizes):
        lines.append(f"{CN_NUMERALS[t]}是关于增强第{t + 1}类工作方面（{size}条）")
        for position in range(1, size + 1):
            title = rng.choice(TOPICS) + rng.choice(["", "提升", "保障", "创新"])
            text = "，".join(rng.sample(PHRASES, rng.randint(1, 3))) + "。"
            proposers = attribution(rng.sample(pool, rng.randint(1, 5)))
            lines.append(f"{position}.{title}。{proposers}建议{text}")
    lines.append("本期发送：市委书记、副书记、常委，市人大常委会组成人员。")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suggestions", type=int, default=1000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()

    tmp = None
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        tmp = tempfile.TemporaryDirectory(prefix="import_bench_")
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from imports import importer
    from imports.deliberation import read_document
    from suggestions.models import Event, Suggestion

    try:
        call_command("migrate", verbosity=0)
        if Suggestion.objects.exists():
            raise SystemExit("the benchmark needs an empty database")
        data = generate(args.suggestions).encode("gb18030")
        print(
            f"document: {args.suggestions} suggestions, {len(data) / 1024:.0f} KiB (GB18030), {connection.vendor}"
        )

        started = time.perf_counter()
        plan = importer.import_text(read_document(data, "bench.txt"))
        first = time.perf_counter() - started
        assert Suggestion.objects.count() == args.suggestions == Event.objects.count()
        print(f"import:    {first:.2f} s  ({plan.summary()})")

        started = time.perf_counter()
        again = importer.import_text(read_document(data, "bench.txt"))
        second = time.perf_counter() - started
        assert not again.has_changes
        print(f"re-import: {second:.2f} s  ({again.summary()})")
        print(f"target under 5 s: {'met' if first < 5 else 'MISSED'}")
    finally:
        connection.close()
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
