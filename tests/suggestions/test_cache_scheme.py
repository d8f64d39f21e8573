"""One cache-invalidation scheme (suggestions/queries/dataversion.py): every cache key carries the data
version, the newest event id, and the reference generation, which the reference tables' saves bump
(``dataversion.token()``). Each correction is an event, so it retires every cache at once."""

from __future__ import annotations

import pytest
from django.test import Client

from suggestions import workflow
from suggestions.models import Suggestion, Theme
from suggestions.policy.groups import ensure_role_groups
from suggestions.queries import choices, dataversion, stats
from tests import factories


@pytest.fixture
def staff(db):
    ensure_role_groups()
    return factories.staff_user(username="scheme_staff")


def offered_themes() -> list[str]:
    return [t.title for t in choices.reference_objects(Theme.objects.all())]


def test_the_choices_follow_the_data_version(staff):
    s = factories.SuggestionFactory()
    assert offered_themes() == [s.theme.title]
    # a write no signal tells of (another process, raw SQL): the choices still come from the cache …
    Theme.objects.filter(pk=s.theme_id).update(title="另一个进程改的标题")
    assert offered_themes() == [s.theme.title]
    # … until the data version moves: any event retires them
    workflow.correct_text(suggestion=s, title="新标题", reason="错字", by=staff)
    assert offered_themes() == ["另一个进程改的标题"]


def test_the_choices_follow_the_reference_generation(staff):
    s = factories.SuggestionFactory()
    assert offered_themes() == [s.theme.title]
    version = dataversion.current()
    theme = s.theme
    theme.title = "管理页面改的标题"
    theme.save()  # no event: the reference generation moves instead
    assert dataversion.current() == version
    assert offered_themes() == ["管理页面改的标题"]


def test_a_theme_corrected_by_the_workflow_is_offered_and_counted_at_once(staff):
    s = factories.SuggestionFactory()
    client = Client()
    client.force_login(staff)
    assert s.theme.title in client.get("/suggestions/").content.decode()
    version = dataversion.current()
    workflow.correct_theme(theme=s.theme, title="更正后的主题标题", reason="错字", by=staff)
    assert dataversion.current() > version  # the statistics and totals keyed on it are retired too
    assert "更正后的主题标题" in client.get("/suggestions/").content.decode()


def test_the_token_is_the_version_and_the_generation(staff):
    factories.SuggestionFactory()
    assert dataversion.token() == f"{dataversion.current()}.{dataversion.reference_generation()}"
    before = dataversion.reference_generation()
    dataversion.reference_changed(sender=Theme)
    assert dataversion.reference_generation() == before + 1


def test_a_reference_save_bumps_the_generation_again_when_it_commits(db, django_capture_on_commit_callbacks):
    """What another process caches between the save and the commit (the old rows, under the new
    generation) is dropped by the second bump at commit."""
    before = dataversion.reference_generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        factories.DepartmentFactory(name="太仓市新设局", short_name="新设局")
        during = dataversion.reference_generation()
        assert "太仓市新设局" in offered_departments()  # the writer sees its own row at once
    assert during == before + 1 and callbacks
    for callback in callbacks:
        callback()
    assert dataversion.reference_generation() == during + 1
    assert dataversion.token().endswith(f".{during + 1}")


def offered_departments() -> list[str]:
    from departments.models import Department

    return [d.name for d in choices.reference_objects(Department.objects.all())]


def test_the_statistics_follow_the_reference_generation(staff):
    """A department renamed in its admin (no event: it is not a suggestion's record) is named at once in
    the statistics, which are keyed like the choices."""
    s = factories.SuggestionFactory()
    department = factories.DepartmentFactory(name="改名前的单位")
    handler = factories.handler_user(department, username="scheme_handler")
    workflow.assign(suggestion=s, lead=department, by=staff)
    workflow.acknowledge(suggestion=s, by=handler)
    names = lambda: {row["department_name"] for row in stats.by_department(Suggestion.objects.all())}  # noqa: E731
    assert "改名前的单位" in names()
    version = dataversion.current()
    department.name = "改名后的单位"
    department.save()
    assert dataversion.current() == version
    assert "改名后的单位" in names()
