"""The routing's fixtures: a 2022 suggestion handled by 住建局 and its 2023 restatement."""

from __future__ import annotations

import datetime as dt

import pytest

from routing import index as routing_index
from suggestions import workflow
from tests import factories


@pytest.fixture(autouse=True)
def _fresh_routing_index():
    """A rolled-back test can leave an index whose data version a later test reuses (SQLite ids)."""
    routing_index.reset()
    yield
    routing_index.reset()


@pytest.fixture
def housing(db):
    return factories.DepartmentFactory(name="太仓市住房和城乡建设局", short_name="住房和城乡建设局")


@pytest.fixture
def transport(db):
    return factories.DepartmentFactory(name="太仓市交通运输局", short_name="交通运输局")


@pytest.fixture
def education(db):
    return factories.DepartmentFactory(name="太仓市教育局", short_name="教育局")


@pytest.fixture
def housing_handler(housing):
    return factories.handler_user(housing, username="housing_handler")


@pytest.fixture
def education_handler(education):
    return factories.handler_user(education, username="education_handler")


@pytest.fixture
def session_2022(db):
    return factories.SessionFactory(
        name="市十七届人大一次会议",
        term=17,
        meeting=1,
        start_date=dt.date(2022, 1, 5),
        end_date=dt.date(2022, 1, 8),
    )


@pytest.fixture
def session_2023(db):
    return factories.SessionFactory()


@pytest.fixture
def earlier(session_2022, housing, transport, education):
    """2022: 加快老旧小区改造, registered only."""
    return factories.SuggestionFactory(
        session=session_2022,
        title="加快老旧小区改造",
        text="我市部分老旧小区管网老化、道路破损，建议加快改造进度，完善小区基础设施，推进加装电梯。",
    )


@pytest.fixture
def earlier_replied(earlier, staff, housing, housing_handler):
    """The 2022 suggestion led by 住建局, replied A (not published)."""
    workflow.assign(suggestion=earlier, lead=housing, co_handlers=[], by=staff)
    workflow.acknowledge(suggestion=earlier, by=housing_handler)
    factories.reply(earlier, housing_handler, category="A")
    earlier.refresh_from_db()
    return earlier


@pytest.fixture
def later(session_2023, earlier):
    """2023: the same topic restated."""
    return factories.SuggestionFactory(
        session=session_2023,
        title="持续推进老旧小区改造提升",
        text="老旧小区基础设施老化问题仍较突出，建议加大改造力度，同步更新雨污管网和小区道路。",
    )
