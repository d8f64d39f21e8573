"""The delegates' remarks (审议发言) on the delegate page and in the delegate search."""

from django.urls import reverse

from suggestions.models import Remark
from tests import factories


def _remark(session, delegates, text, position=1):
    remark = Remark.objects.create(
        session=session,
        part=2,
        section=1,
        heading="突出经济提质，增强产业发展硬实力",
        position=position,
        text=text,
    )
    remark.delegates.set(delegates)
    return remark


def test_delegate_page_shows_the_delegates_remarks_with_co_speakers(client, suggestion):
    speaker, partner = factories.DelegateFactory(), factories.DelegateFactory()
    _remark(suggestion.session, [speaker, partner], "要围绕产业发展方向，强化产业生态圈建设。")
    html = client.get(reverse("delegate_detail", args=[speaker.pk])).content.decode()
    assert "强化产业生态圈建设" in html
    assert partner.name in html


def test_delegate_search_finds_a_chinese_substring_of_a_remark(client, suggestion):
    speaker = factories.DelegateFactory()
    _remark(suggestion.session, [speaker], "应全面加强金融监管，保持金融市场安全稳定。")
    _remark(suggestion.session, [speaker], "要深入推进网格化社会治理联动机制。", position=2)
    html = client.get(reverse("delegate_list"), {"q": "金融监管"}).content.decode()
    assert "保持金融市场安全稳定" in html
    assert "网格化社会治理" not in html


def test_delegate_search_with_remarks_keeps_a_fixed_number_of_queries(
    client, suggestion, django_assert_max_num_queries
):
    speakers = [factories.DelegateFactory() for _ in range(5)]
    for i in range(25):
        _remark(suggestion.session, speakers[: i % 5 + 1], f"关于产业发展的第{i}条发言。", position=i + 1)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("delegate_list"), {"q": "产业发展"})
    assert response.status_code == 200
    assert response.content.decode().count('class="panel"') >= 20
