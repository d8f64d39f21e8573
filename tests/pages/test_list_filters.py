"""The suggestion list's filter form: a name filter for proposers, no page that grows with the delegates."""

from django.urls import reverse

from tests import factories


def test_proposer_name_filter_finds_a_chinese_substring(client, suggestion):
    other = factories.SuggestionFactory(title="另一条建议")
    name = suggestion.lead_delegate.name
    html = client.get(reverse("suggestion_list"), {"delegate_name": name[1:]}).content.decode()
    assert suggestion.title in html
    assert other.title not in html or name[1:] in "".join(d.name for d in other.delegates.all())


def test_list_page_does_not_list_every_delegate(client, suggestion):
    for _ in range(40):
        factories.DelegateFactory()
    html = client.get(reverse("suggestion_list")).content.decode()
    assert html.count("<option") < 100  # statuses, themes, departments, orderings: not 40+ delegates twice


def test_a_delegate_id_filter_from_a_link_is_kept_as_a_hidden_field(client, suggestion):
    delegate = suggestion.lead_delegate
    html = client.get(reverse("suggestion_list"), {"delegate": delegate.pk}).content.decode()
    assert f'type="hidden" name="delegate" value="{delegate.pk}"' in html
    assert suggestion.title in html
