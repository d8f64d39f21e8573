"""The one-click rating link: its delegate, its round, once; it expires; useless to anyone else."""

from __future__ import annotations

import re
import time
from unittest import mock

import pytest
from django.core import mail, signing
from django.urls import reverse

from notifications import links, reminders
from suggestions import workflow
from suggestions.models import Rating, Status
from tests import factories

pytestmark = pytest.mark.django_db


def link_for(suggestion, user, round_: int | None = None) -> str:
    delegate = user.delegate
    return links.rating_path(
        suggestion_id=suggestion.pk,
        round=round_ or suggestion.round,
        delegate_id=delegate.pk,
        user_id=user.pk,
    )


SATISFIED = {"attitude": "satisfied", "result": "satisfied"}


def test_the_lead_delegate_rates_without_logging_in(client, replied, lead_delegate_user):
    url = link_for(replied, lead_delegate_user)

    page = client.get(url)
    assert page.status_code == 200
    assert "评价答复" in page.text and replied.title in page.text
    assert "经研究，答复如下" in page.text  # the reply being rated

    response = client.post(url, SATISFIED)
    assert response.status_code == 302 and response["Location"] == url
    rating = Rating.objects.get(suggestion=replied)
    assert rating.delegate == lead_delegate_user.delegate and rating.is_lead and rating.round == 1
    replied.refresh_from_db()
    assert replied.status == Status.CLOSED
    event = replied.events.order_by("-at", "-id").first()
    assert event.actor == lead_delegate_user  # recorded as the delegate's own rating, not on behalf
    assert "_auth_user_id" not in client.session  # the link rates; it does not log in

    done = client.get(url)
    assert done.status_code == 200 and "已评价" in done.text


def test_the_link_cannot_be_replayed(client, replied, lead_delegate_user):
    url = link_for(replied, lead_delegate_user)
    client.post(url, SATISFIED)
    again = client.post(url, {"attitude": "unsatisfied", "result": "unsatisfied", "comment": "重评"})

    assert again.status_code == 200 and "已评价" in again.text
    assert Rating.objects.filter(suggestion=replied).count() == 1
    assert Rating.objects.get(suggestion=replied).result == "satisfied"


def test_a_co_proposer_link_rates_as_the_co_proposer(client, replied, co_proposer_user):
    client.post(link_for(replied, co_proposer_user), SATISFIED)
    rating = Rating.objects.get(suggestion=replied)
    assert rating.delegate == co_proposer_user.delegate and not rating.is_lead
    replied.refresh_from_db()
    assert replied.status == Status.REPLIED  # only the lead's rating closes the round


def test_unsatisfied_needs_a_comment_and_shows_the_error(client, replied, lead_delegate_user):
    response = client.post(
        link_for(replied, lead_delegate_user), {"attitude": "satisfied", "result": "unsatisfied"}
    )
    assert response.status_code == 200
    assert "必须填写意见" in response.text
    assert not Rating.objects.exists()


def test_an_expired_link_is_refused(client, replied, lead_delegate_user, settings):
    settings.RATING_LINK_MAX_AGE_DAYS = 30
    thirty_one_days_ago = time.time() - 31 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=thirty_one_days_ago):
        url = link_for(replied, lead_delegate_user)

    assert client.get(url).status_code == 410
    response = client.post(url, SATISFIED)
    assert response.status_code == 410 and "已过期" in response.text
    assert not Rating.objects.exists()


def test_a_link_still_within_its_age_works(client, replied, lead_delegate_user, settings):
    settings.RATING_LINK_MAX_AGE_DAYS = 30
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 29 * 24 * 3600):
        url = link_for(replied, lead_delegate_user)
    assert client.get(url).status_code == 200


def test_an_altered_link_is_refused(client, replied, lead_delegate_user, other_delegate_user):
    token = links.rating_token(
        suggestion_id=replied.pk,
        round=1,
        delegate_id=lead_delegate_user.delegate.pk,
        user_id=lead_delegate_user.pk,
    )
    payload, rest = token.split(":", 1)
    forged_payload = signing.b64_encode(
        f'{{"s":{replied.pk},"r":1,"d":{other_delegate_user.delegate.pk},"u":{other_delegate_user.pk}}}'.encode()
    ).decode()
    for bad in (f"{forged_payload}:{rest}", token[:-2] + "xx", "nonsense"):
        response = client.post(reverse("notifications:rate", args=[bad]), SATISFIED)
        assert response.status_code == 400 and "无效" in response.text
    assert not Rating.objects.exists()


def test_a_token_signed_for_something_else_is_refused(client, replied, lead_delegate_user):
    # Signed with the project's key but another salt (another feature's token): not a rating link.
    other = signing.dumps(
        {"s": replied.pk, "r": 1, "d": lead_delegate_user.delegate.pk, "u": lead_delegate_user.pk}
    )
    assert client.get(reverse("notifications:rate", args=[other])).status_code == 400


def test_a_link_is_useless_to_another_logged_in_user(
    client, replied, lead_delegate_user, other_delegate_user
):
    client.force_login(other_delegate_user)
    response = client.post(link_for(replied, lead_delegate_user), SATISFIED)
    assert response.status_code == 403
    assert not Rating.objects.exists()


def test_the_delegate_logged_in_may_use_their_own_link(client, replied, lead_delegate_user):
    client.force_login(lead_delegate_user)
    assert client.post(link_for(replied, lead_delegate_user), SATISFIED).status_code == 302
    assert Rating.objects.filter(delegate=lead_delegate_user.delegate).exists()


def test_a_link_dies_when_the_delegate_account_changes(client, replied, lead_delegate_user):
    url = link_for(replied, lead_delegate_user)
    delegate = lead_delegate_user.delegate
    delegate.user = factories.UserFactory(username="new_account")
    delegate.save(update_fields=["user"])
    assert client.post(url, SATISFIED).status_code == 400
    assert not Rating.objects.exists()


def test_a_link_for_a_non_proposer_rates_nothing(client, replied, other_delegate_user):
    # Even a correctly signed link cannot make someone a proposer: the workflow decides.
    response = client.post(link_for(replied, other_delegate_user), SATISFIED)
    assert response.status_code == 410
    assert not Rating.objects.exists()


def test_a_round_one_link_cannot_rate_round_two(client, replied, lead_delegate_user, lead_handler, staff):
    round_one = link_for(replied, lead_delegate_user)
    client.post(round_one, {"attitude": "satisfied", "result": "unsatisfied", "comment": "问题没有解决"})
    workflow.rehandle(suggestion=replied, note="请重新办理", by=staff)
    replied.refresh_from_db()
    factories.reply(replied, lead_handler, category="A", doc_number="太发改函〔2023〕30号")

    again = client.post(round_one, SATISFIED)
    assert "已评价" in again.text
    assert Rating.objects.filter(round=2).count() == 0

    round_two = link_for(replied, lead_delegate_user)
    assert round_two != round_one
    client.post(round_two, SATISFIED)
    assert Rating.objects.get(round=2).result == "satisfied"


def test_a_link_for_a_round_not_yet_replied_is_refused(client, in_progress, lead_delegate_user):
    response = client.get(link_for(in_progress, lead_delegate_user))
    assert response.status_code == 410 and "不能评价" in response.text


def test_the_link_in_the_reply_email_works(client, replied, lead_delegate_user):
    lead_delegate_user.email = "lead@example.test"
    lead_delegate_user.save(update_fields=["email"])
    reminders.run()
    [email] = [m for m in mail.outbox if m.to == ["lead@example.test"]]
    url = re.search(r"https://rd\.example\.test(/notifications/rate/[^/\s]+/)", email.body).group(1)

    assert client.post(url, SATISFIED).status_code == 302
    assert Rating.objects.get().delegate == lead_delegate_user.delegate


def test_a_link_made_before_a_password_change_is_refused_after_it(client, replied, lead_delegate_user):
    url = link_for(replied, lead_delegate_user)
    assert client.get(url).status_code == 200  # valid until the password changes

    lead_delegate_user.set_password("a-new-password-9x7!")
    lead_delegate_user.save(update_fields=["password"])

    assert client.get(url).status_code == 400
    response = client.post(url, SATISFIED)
    assert response.status_code == 400 and "无效" in response.text
    assert not Rating.objects.exists()
    # A link made after the change works.
    assert client.post(link_for(replied, lead_delegate_user), SATISFIED).status_code == 302


def test_making_the_password_unusable_revokes_the_links_too(client, replied, lead_delegate_user):
    url = link_for(replied, lead_delegate_user)
    lead_delegate_user.set_unusable_password()
    lead_delegate_user.save(update_fields=["password"])
    assert client.post(url, SATISFIED).status_code == 400
    assert not Rating.objects.exists()


def test_logging_in_does_not_revoke_the_link(client, replied, lead_delegate_user):
    # Only the password is bound, not last_login: reading the e-mail after logging in still works.
    url = link_for(replied, lead_delegate_user)
    client.force_login(lead_delegate_user)
    client.logout()
    assert client.post(url, SATISFIED).status_code == 302


def test_the_link_does_not_carry_the_password_hash(replied, lead_delegate_user):
    token = links.rating_token(
        suggestion_id=replied.pk,
        round=1,
        delegate_id=lead_delegate_user.delegate.pk,
        user_id=lead_delegate_user.pk,
    )
    payload = signing.b64_decode(token.split(":", 1)[0].encode()).decode()
    assert lead_delegate_user.password not in payload
    assert lead_delegate_user.password.split("$")[-1] not in payload
