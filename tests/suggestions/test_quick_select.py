"""The filter form's QuickSelect renders exactly what Django's Select renders from its templates."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.translation import gettext_lazy

from suggestions.models import Theme
from suggestions.queries.choices import CachedModelChoiceField, QuickSelect
from tests import factories

CHOICES = [
    ("", "---------"),
    (1, '一、<交通> & "出行"'),
    ("two", gettext_lazy("是")),
    ("组", [(3, "三"), ("4'", "四")]),
    (5, "五"),
]


@pytest.mark.parametrize("value", [None, "", 1, "1", "two", 3, ["4'"], "none of them"])
@pytest.mark.parametrize(
    "attrs", [None, {"class": "filter", "data-x": 'a"b'}, {"disabled": True, "hidden": False, "id": "id_x"}]
)
def test_quick_select_renders_as_select(value, attrs):
    quick = QuickSelect(choices=CHOICES).render("theme", value, attrs=attrs)
    plain = forms.Select(choices=CHOICES).render("theme", value, attrs=attrs)
    assert quick == plain
    assert quick.count("<option") == 6


def test_the_cached_field_offers_its_objects_through_quick_select(db):
    session = factories.SessionFactory()
    themes = [factories.ThemeFactory(session=session, ordinal=i + 1, title=f"主题<{i}>") for i in range(3)]
    field = CachedModelChoiceField(queryset=Theme.objects.order_by("pk"), empty_label="全部")
    assert isinstance(field.widget, QuickSelect)
    quick = field.widget.render("theme", themes[1].pk)
    field.widget = forms.Select(choices=field.choices)
    assert quick == field.widget.render("theme", themes[1].pk)
    assert f'<option value="{themes[1].pk}" selected>' in quick and "主题&lt;1&gt;" in quick
