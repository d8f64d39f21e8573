"""factory_boy factories and small helpers that build users for each role."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from delegates.models import Delegate
from departments.models import Department
from suggestions import workflow
from suggestions.models import CongressSession, Proposer, Suggestion, Theme
from suggestions.policy.permissions import DASHBOARD_GROUP, STAFF_GROUP

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玲红梅鹏飞建国志宏海燕雪琴晓东"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-1")


def _group_user(group_name: str, **kwargs):
    from django.contrib.auth.models import Group

    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get_or_create(name=group_name)[0])
    return user


def staff_user(**kwargs):
    return _group_user(STAFF_GROUP, is_staff=True, **kwargs)


def dashboard_user(**kwargs):
    return _group_user(DASHBOARD_GROUP, **kwargs)


def handler_user(department: Department, **kwargs):
    user = UserFactory(**kwargs)
    department.members.add(user)
    return user


def delegate_user(delegate: Delegate, **kwargs):
    user = UserFactory(**kwargs)
    delegate.user = user
    delegate.save(update_fields=["user"])
    return user


class DelegateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegate
        django_get_or_create = ["name"]

    name = factory.Sequence(
        lambda n: SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)] + GIVEN[(n // len(GIVEN)) % len(GIVEN)]
    )
    phone = factory.Sequence(lambda n: f"1390000{n:04d}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"太仓市测试局{n}")
    short_name = factory.LazyAttribute(lambda o: o.name.removeprefix("太仓市"))


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CongressSession
        django_get_or_create = ["term", "meeting"]

    name = "市十七届人大二次会议"
    term = 17
    meeting = 2
    start_date = dt.date(2023, 1, 3)
    end_date = dt.date(2023, 1, 5)


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ["session", "ordinal"]

    session = factory.SubFactory(SessionFactory)
    ordinal = 1
    title = "关于增强产业发展硬实力方面"


class SuggestionFactory(factory.django.DjangoModelFactory):
    """A registered suggestion with its register event; `proposers=[...]` or `proposers__count=N` (2)."""

    class Meta:
        model = Suggestion
        skip_postgeneration_save = True

    session = factory.SubFactory(SessionFactory)
    theme = factory.LazyAttribute(lambda o: ThemeFactory(session=o.session))
    number = factory.Sequence(lambda n: n + 1)
    position = factory.LazyAttribute(lambda o: o.number)
    title = factory.Sequence(lambda n: f"测试建议{n}")
    text = "建议加快推进老旧小区改造，完善基础设施。"

    @factory.post_generation
    def proposers(obj, create, extracted, count=2, **kwargs):
        delegates = extracted or [DelegateFactory() for _ in range(count)]
        Proposer.objects.bulk_create(
            Proposer(suggestion=obj, delegate=d, position=i) for i, d in enumerate(delegates, start=1)
        )
        workflow.record_registration(suggestion=obj, by=None)


def co_opinions(suggestion: Suggestion, text: str = "协办意见：同意主办单位的办理方案，本单位将配合落实。"):
    """Every co-handler the lead still waits for sends its opinion (by one of its handlers, or staff on
    its behalf when it has none): what a reply needs first (the co-handling rule)."""
    from suggestions.workflow.ready import awaited_co_opinions

    for a in awaited_co_opinions(Suggestion.objects.get(pk=suggestion.pk)):  # the round as stored
        member = a.department.members.filter(is_active=True).first()
        workflow.give_co_opinion(
            suggestion=suggestion,
            text=text,
            department=a.department,
            by=member or staff_user(username="staff_for_co_opinions"),
        )


def reply(suggestion: Suggestion, by, category: str = "A", *, with_co_opinions: bool = True, **overrides):
    """The lead's reply; first the co-handlers' opinions, unless ``with_co_opinions=False``."""
    if with_co_opinions:
        co_opinions(suggestion)
    data = dict(
        category=category,
        doc_number="太发改函〔2023〕12号",
        signer="张三",
        contact_person="李四",
        contact_phone="0512-53500000",
        text="经研究，答复如下：……",
    )
    data.update(overrides)
    return workflow.reply(suggestion=suggestion, by=by, **data)
