"""The demo's history: the 2023 suggestions driven through the real workflow at the dates they happened.

`make run` (setup_demo) plays this once on a fresh database, so the dashboard, the report and every
queue show what a real spring of handling looks like: a 交办会 on 2023-02-08, acknowledgments, contacts
with the delegates, co-handlers' opinions, two extension requests, two reassignment requests, replies
spread from March to June, ratings, one 不满意 sent back for a second round and one awaiting staff's
decision, publications, and a few suggestions still late or still waiting to be assigned. Each step is
the workflow's own function, taken by the account that would take it, with the clock set to its day
(time-machine), so events, deadlines and notifications carry 2023 dates; new actions use today.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings

from delegates.models import Delegate
from departments.models import Department
from suggestions import calendar, workflow
from suggestions.models import Publication, Status, Suggestion, Verdict

D = dt.date
MEETING = D(2023, 2, 8)  # 交办会

# Suggestion number → lead department, co-handlers (short names as in the catalogue, without 太仓市).
ROUTES: dict[int, tuple[str, tuple[str, ...]]] = {
    1: ("太仓市发展和改革委员会", ("太仓市商务局",)),
    2: ("太仓市工业和信息化局", ("太仓市市场监督管理局",)),
    3: ("太仓市工业和信息化局", ("太仓市财政局", "太仓市地方金融监督管理局")),
    4: ("太仓市文体广电和旅游局", ("太仓市浏河镇",)),
    5: ("江苏太仓港口管理委员会", ("太仓市交通运输局", "太仓港经济技术开发区管委会")),
    6: ("太仓市发展和改革委员会", ("太仓市交通运输局",)),
    7: ("太仓市商务局", ("太仓高新区管委会",)),
    8: ("太仓市自然资源和规划局", ("太仓市发展和改革委员会",)),
    9: ("太仓市工业和信息化局", ("太仓市科学技术局",)),
    10: ("太仓市科学技术局", ("太仓市财政局",)),
    11: ("太仓市人力资源和社会保障局", ("太仓市教育局",)),
    12: ("太仓市自然资源和规划局", ("太仓市住房和城乡建设局",)),
    13: ("太仓市住房和城乡建设局", ("太仓市城厢镇",)),
    14: ("太仓市住房和城乡建设局", ("太仓市城市管理局",)),
    15: ("太仓市城市管理局", ()),
    16: ("太仓市农业农村局", ("太仓市双凤镇",)),
    17: ("太仓市农业农村局", ("太仓市璜泾镇",)),
    18: ("苏州市太仓生态环境局", ("太仓市发展和改革委员会",)),
    19: ("苏州市太仓生态环境局", ("太仓市水务局",)),
    20: ("太仓市水务局", ("太仓市沙溪镇",)),
    21: ("太仓市民政局", ("太仓市医疗保障局",)),
    22: ("太仓市教育局", ()),
    23: ("太仓市卫生健康委员会", ("太仓市医疗保障局",)),
    24: ("太仓市文体广电和旅游局", ("太仓市沙溪镇",)),
    25: ("太仓市文体广电和旅游局", ("太仓市教育局",)),
    26: ("太仓市地方金融监督管理局", ("太仓市公安局",)),
    27: ("太仓市司法局", ("太仓市信访局",)),
}
# Registered after the session, still waiting for 交办 today (the 交办 screen has work in it).
WAITING = (28, 29, 30)
# 补充交办 in May: 24 not yet acknowledged, 25's lead asks for another department.
ASSIGNED_LATE = {24: D(2023, 5, 22), 25: D(2023, 5, 22)}

# The handler account of each department the story involves: username → department.
HANDLERS: dict[str, str] = {
    "fagai": "太仓市发展和改革委员会",
    "gongxin": "太仓市工业和信息化局",
    "shangwu": "太仓市商务局",
    "keji": "太仓市科学技术局",
    "jiaoyu": "太仓市教育局",
    "gongan": "太仓市公安局",
    "minzheng": "太仓市民政局",
    "sifa": "太仓市司法局",
    "caizheng": "太仓市财政局",
    "renshe": "太仓市人力资源和社会保障局",
    "ziranziyuan": "太仓市自然资源和规划局",
    "zhujian": "太仓市住房和城乡建设局",
    "chengguan": "太仓市城市管理局",
    "nongye": "太仓市农业农村局",
    "wenlv": "太仓市文体广电和旅游局",
    "weijian": "太仓市卫生健康委员会",
    "shichang": "太仓市市场监督管理局",
    "yibao": "太仓市医疗保障局",
    "jinrong": "太仓市地方金融监督管理局",
    "xinfang": "太仓市信访局",
    "zhengfuban": "太仓市政府办公室",
    "jiaotong": "太仓市交通运输局",
    "shuiwu": "太仓市水务局",
    "shengtai": "苏州市太仓生态环境局",
    "gaoxin": "太仓高新区管委会",
    "gangqu": "太仓港经济技术开发区管委会",
    "gangguan": "江苏太仓港口管理委员会",
    "shaxi": "太仓市沙溪镇",
    "liuhe": "太仓市浏河镇",
    "huangjing": "太仓市璜泾镇",
    "shuangfeng": "太仓市双凤镇",
    "chengxiang": "太仓市城厢镇",
}

# The delegate account of each lead delegate (and one co-proposer): username → name.
DELEGATES: dict[str, str] = {
    "wangxiangyuan": "汪香元",
    "yangrui": "杨锐",
    "huweijiang": "胡卫江",
    "wangliping": "王莉萍",
    "yanhaiyue": "严海月",
    "zhangzhan": "张展",
    "wujianguo": "吴建国",
    "zhuzhenxu": "祝真旭",
    "maoyaping": "毛雅萍",
    "shijing": "施敬",
    "wujingyu": "吴敬宇",
    "sunjianchun": "孙建春",
    "zhengbinghua": "郑丙华",
    "bianhongming": "卞洪明",
    "xuzhiqiang": "徐志强",
    "shenghaifeng": "盛海峰",
    "chenyi": "陈怡",
    "nijiazhen": "倪嘉臻",
    "luliling": "陆莉玲",
    "xubo": "徐波",
    "zhayan": "查焱",
    "xiaotingting": "肖婷婷",
    "chenlei": "陈磊",
    "gaoyang": "高杨",
    "xuhongming": "徐洪明",
}

# The replies: number → (replied on, category, the lead delegate's verdict or None = not yet rated).
S, B_, U = Verdict.SATISFIED, Verdict.BASICALLY, Verdict.UNSATISFIED
REPLIES: dict[int, tuple[dt.date, str, str | None]] = {
    1: (D(2023, 3, 28), "B", S),
    2: (D(2023, 4, 6), "A", S),
    3: (D(2023, 4, 12), "B", B_),
    4: (D(2023, 4, 18), "A", S),
    6: (D(2023, 4, 20), "C", B_),
    7: (D(2023, 4, 21), "A", S),
    8: (D(2023, 5, 6), "B", S),  # its extension was refused: replied just in time
    9: (D(2023, 4, 25), "B", S),
    10: (D(2023, 3, 30), "A", S),
    11: (D(2023, 4, 26), "B", B_),
    13: (D(2023, 4, 27), "C", B_),
    14: (D(2023, 4, 14), "B", U),  # 不满意 → 重新办理
    15: (D(2023, 5, 5), "C", U),  # 不满意, staff have not decided yet
    16: (D(2023, 4, 28), "A", S),
    17: (D(2023, 5, 4), "B", S),
    18: (D(2023, 4, 10), "A", S),
    19: (D(2023, 4, 19), "B", B_),
    20: (D(2023, 5, 26), "B", None),  # replied late, not yet rated
    22: (D(2023, 5, 30), "D", None),
    26: (D(2023, 5, 8), "C", B_),
    27: (D(2023, 5, 24), "B", S),  # after its reassignment
}
REPLY_TEXT = {
    "A": "经研究，代表所提建议已采纳并解决：{title}相关工作已完成，具体如下……",
    "B": "经研究，代表所提建议正在解决：{title}已列入年度工作计划，预计年内完成……",
    "C": "经研究，代表所提建议列入计划逐步解决：{title}涉及面广，我们将分步推进……",
    "D": "经研究，代表所提建议因政策限制暂不能解决，现将有关情况说明如下……",
}
COMMENTS = {
    14: "加装电梯的资金补贴没有落实，居民意见较大，希望再研究。",
    15: "占道经营问题仍未改善，答复缺少具体措施和时间表。",
}
PUBLISHED_FULL = (1, 2, 4, 7, 9, 10, 16, 18)
PUBLISHED_TITLE_ONLY = (3, 11)


@contextmanager
def on(day: dt.date, hour: int = 10) -> Iterator[None]:
    """Take the next steps on `day` (the clock stands still at `hour` o'clock in the app's time zone)."""
    moment = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(moment, tick=False):
        yield


class Story:
    def __init__(self, staff, users: dict) -> None:
        self.staff = staff
        self.users = users  # username → user
        self.by_department = {Department.objects.get(name=name).pk: users[u] for u, name in HANDLERS.items()}
        self.by_delegate = {Delegate.objects.get(name=name).pk: users[u] for u, name in DELEGATES.items()}

    def suggestion(self, number: int) -> Suggestion:
        return Suggestion.objects.get(session__term=17, session__meeting=2, number=number)

    def handler(self, department: Department):
        return self.by_department[department.pk]

    def lead(self, s: Suggestion):
        return s.assignments.active().get(round=s.round, role="lead")

    def lead_delegate(self, s: Suggestion):
        proposer = s.proposers.order_by("position").select_related("delegate").first()
        return self.by_delegate.get(proposer.delegate_id, self.staff), proposer.delegate

    def play(self) -> None:
        departments = {d.name: d for d in Department.objects.all()}
        for number, (lead, co) in ROUTES.items():
            with on(ASSIGNED_LATE.get(number, MEETING)):
                workflow.assign(
                    suggestion=self.suggestion(number),
                    lead=departments[lead],
                    co_handlers=[departments[c] for c in co],
                    on=ASSIGNED_LATE.get(number, MEETING),
                    by=self.staff,
                )
        with on(D(2023, 2, 9)):
            for n in (5, 14):
                workflow.set_key_supervision(
                    suggestion=self.suggestion(n), on=True, note="列为今年重点督办建议", by=self.staff
                )
        self._acknowledge_and_talk()
        self._reassignments()
        self._extensions()
        self._co_opinions()
        for number in sorted(REPLIES, key=lambda n: REPLIES[n][0]):
            self._reply_and_rate(number)
        self._rehandle_14()
        self._publish()
        with on(D(2023, 6, 20)):
            workflow.follow_up(
                suggestion=self.suggestion(9),
                text="技改项目已完成立项，设备采购进行中。",
                by=self.handler(self.lead(self.suggestion(9)).department),
            )

    def _acknowledge_and_talk(self) -> None:
        methods = ["meet", "visit", "phone", "forum", "meet"]
        for i, number in enumerate(ROUTES):
            if number in ASSIGNED_LATE or number == 27:  # 27: see _reassignments
                continue
            s = self.suggestion(number)
            day = calendar.add_workdays(MEETING, 1 + i % 4)
            for a in s.assignments.active().filter(round=1).select_related("department"):
                with on(day):
                    workflow.acknowledge(suggestion=s, department=a.department, by=self.handler(a.department))
            if number in (21, 23):
                continue  # acknowledged, then nothing: late today
            lead = self.lead(s)
            with on(calendar.add_workdays(day, 3 + i % 5)):
                workflow.log_contact(
                    suggestion=s,
                    method=methods[i % len(methods)],
                    notes="与领衔代表面商建议办理思路，听取代表意见。",
                    by=self.handler(lead.department),
                )

    def _reassignments(self) -> None:
        departments = {d.name: d for d in Department.objects.all()}
        s27 = self.suggestion(27)
        with on(D(2023, 2, 14)):
            workflow.request_reassignment(
                suggestion=s27,
                reason="社会治理综合事项由公安局牵头更为适宜，本局可作为协办。",
                department=departments["太仓市司法局"],
                by=self.users["sifa"],
            )
        with on(D(2023, 2, 16)):
            workflow.approve_reassignment(
                suggestion=s27, new_department=departments["太仓市公安局"], note="同意调整", by=self.staff
            )
        with on(D(2023, 2, 17)):
            workflow.acknowledge(
                suggestion=s27, department=departments["太仓市公安局"], by=self.users["gongan"]
            )
            workflow.acknowledge(
                suggestion=s27, department=departments["太仓市信访局"], by=self.users["xinfang"]
            )
        with on(D(2023, 2, 22)):
            workflow.log_contact(
                suggestion=s27, method="forum", notes="召开座谈会听取代表意见。", by=self.users["gongan"]
            )
        s25 = self.suggestion(25)
        with on(D(2023, 5, 24)):
            workflow.request_reassignment(
                suggestion=s25,
                reason="精神文明建设由市文明办牵头，建议调整主办单位。",
                department=departments["太仓市文体广电和旅游局"],
                by=self.users["wenlv"],
            )

    def _extensions(self) -> None:
        s5, s8, s12 = self.suggestion(5), self.suggestion(8), self.suggestion(12)
        with on(D(2023, 4, 20)):
            workflow.request_extension(
                suggestion=s5,
                requested_due=D(2023, 6, 30),
                reason="涉及省港口集团协调，需延期答复。",
                by=self.users["gangguan"],
            )
            workflow.request_extension(
                suggestion=s8,
                requested_due=D(2023, 6, 8),
                reason="用地指标待省厅批复。",
                by=self.users["ziranziyuan"],
            )
        with on(D(2023, 4, 24)):
            workflow.approve_extension(suggestion=s5, note="同意延期至6月30日", by=self.staff)
            workflow.reject_extension(
                suggestion=s8, note="请按期答复，批复情况可在答复中说明。", by=self.staff
            )
        with on(D(2023, 5, 4)):
            workflow.request_extension(
                suggestion=s12,
                requested_due=D(2023, 7, 31),
                reason="规划修编尚在公示阶段。",
                by=self.users["ziranziyuan"],
            )

    def _co_opinions(self) -> None:
        for number in ROUTES:
            if number in ASSIGNED_LATE or number in (21, 23):
                continue
            s = self.suggestion(number)
            for a in s.assignments.active().filter(round=1, role="co").select_related("department"):
                with on(calendar.add_workdays(MEETING, 12 + number % 4)):
                    workflow.give_co_opinion(
                        suggestion=s,
                        text=f"{a.department.short_name or a.department.name}将配合主办单位做好相关工作。",
                        department=a.department,
                        by=self.handler(a.department),
                    )

    def _reply(self, s: Suggestion, day: dt.date, category: str) -> None:
        lead = self.lead(s)
        signer = {"A": "王建华", "B": "李明", "C": "张伟", "D": "陈刚"}[category]
        with on(day, hour=15):
            workflow.reply(
                suggestion=s,
                category=category,
                doc_number=f"太{(lead.department.short_name or lead.department.name)[:2]}函〔2023〕{10 + s.number + 40 * (s.round - 1)}号",
                signer=signer,
                contact_person="刘晓",
                contact_phone="0512-5351" + f"{s.number:04d}",
                text=REPLY_TEXT[category].format(title=s.title),
                replied_on=day,
                by=self.handler(lead.department),
            )

    def _reply_and_rate(self, number: int) -> None:
        day, category, verdict = REPLIES[number]
        s = self.suggestion(number)
        self._reply(s, day, category)
        if verdict is None:
            return
        user, delegate = self.lead_delegate(s)
        with on(calendar.add_workdays(day, 5), hour=9):
            workflow.rate(
                suggestion=s,
                attitude=Verdict.SATISFIED if verdict != U else Verdict.BASICALLY,
                result=verdict,
                comment=COMMENTS.get(number, ""),
                delegate=delegate if user is self.staff else None,
                by=user,
            )

    def _rehandle_14(self) -> None:
        s = self.suggestion(14)
        with on(D(2023, 4, 28)):
            workflow.rehandle(
                suggestion=s, note="请住建局会同城管局、街道重新研究加装电梯补贴方案。", by=self.staff
            )
        s.refresh_from_db()
        for a in s.assignments.active().filter(round=2, role="co").select_related("department"):
            with on(D(2023, 5, 10)):
                workflow.give_co_opinion(
                    suggestion=s,
                    text="城管局配合做好施工期间的道路管理。",
                    department=a.department,
                    by=self.handler(a.department),
                )
        self._reply(s, D(2023, 5, 25), "B")
        user, _delegate = self.lead_delegate(s)
        with on(D(2023, 6, 2), hour=9):
            workflow.rate(suggestion=s, attitude=Verdict.SATISFIED, result=Verdict.BASICALLY, by=user)

    def _publish(self) -> None:
        with on(D(2023, 6, 15)):
            for n in PUBLISHED_FULL:
                s = self.suggestion(n)
                mode = Publication.FULL if s.disclosure_consent else Publication.TITLE_ONLY
                workflow.publish(suggestion=s, mode=mode, by=self.staff)
            for n in PUBLISHED_TITLE_ONLY:
                workflow.publish(suggestion=self.suggestion(n), mode=Publication.TITLE_ONLY, by=self.staff)


def untouched() -> bool:
    """The 2023 suggestions are as loaded: none has been assigned yet (the story has not been played)."""
    return (
        not Suggestion.objects.filter(session__term=17, session__meeting=2)
        .exclude(status=Status.REGISTERED)
        .exists()
    )


def play(staff, users: dict) -> None:
    Story(staff, users).play()
