"""The list's search finds a delegate's suggestions by the delegate's name (领衔 or 联名)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_delegates_name_finds_the_suggestions_they_proposed(client):
    wang = factories.DelegateFactory(name="汪香元")
    yang = factories.DelegateFactory(name="杨锐")
    led = factories.SuggestionFactory(title="聚焦项目引建", proposers=[wang, yang])
    joined = factories.SuggestionFactory(title="推进以港强市", proposers=[yang, wang])
    other = factories.SuggestionFactory(title="提质老旧小区", text="加装电梯。", proposers=[yang])
    named_in_text = factories.SuggestionFactory(title="关于汪香元代表反映问题的跟进", proposers=[yang])

    found = client.get(reverse("suggestion-list") + "?q=汪香元").json()["results"]

    assert {row["id"] for row in found} == {led.pk, joined.pk, named_in_text.pk}
    assert other.pk not in {row["id"] for row in found}
    page = client.get(reverse("suggestion_list") + "?q=汪香元").text
    assert "聚焦项目引建" in page and "推进以港强市" in page and "提质老旧小区" not in page


def test_a_name_and_a_word_must_both_hold(client):
    wang = factories.DelegateFactory(name="汪香元")
    factories.SuggestionFactory(title="聚焦项目引建", text="大抓项目。", proposers=[wang])
    wanted = factories.SuggestionFactory(title="提质老旧小区", text="加装电梯。", proposers=[wang])
    found = client.get(reverse("suggestion-list") + "?q=汪香元 老旧").json()["results"]
    assert [row["id"] for row in found] == [wanted.pk]
