"""Each role reads exactly what DOMAIN.md allows, through lists and details alike.

Cast: `handled` (a replied suggestion of the lead and co departments, with a record of every kind, its
reply unpublished) and `unassigned` (registered, no department), built once for the module; each test
runs in a savepoint on top, so what one writes (a publication) is undone after it.
"""

from __future__ import annotations

import pytest

from suggestions import workflow
from suggestions.models import PUBLIC_EVENT_KINDS
from suggestions.policy.groups import ensure_role_groups
from tests import factories
from tests.api.world import make_handled

ROLES = [
    "public",
    "other_delegate_user",
    "lead_delegate_user",
    "co_proposer_user",
    "lead_handler",
    "co_handler",
    "other_handler",
    "staff",
    "dashboard",
]
# who reads the handling record of `handled` (proposers, its departments, staff, dashboard)
FOLLOWS = {"lead_delegate_user", "co_proposer_user", "lead_handler", "co_handler", "staff", "dashboard"}


@pytest.fixture(scope="module")
def cast(module_db):
    with module_db():
        ensure_role_groups()
        lead, co, other = (factories.DepartmentFactory(name=f"太仓市{n}局") for n in ("主办", "协办", "其他"))
        people = {
            "staff": factories.staff_user(username="staff"),
            "dashboard": factories.dashboard_user(username="dashboard"),
            "lead_handler": factories.handler_user(lead, username="lead_handler"),
            "co_handler": factories.handler_user(co, username="co_handler"),
            "other_handler": factories.handler_user(other, username="other_handler"),
            "other_delegate_user": factories.delegate_user(
                factories.DelegateFactory(), username="other_delegate"
            ),
        }
        s = factories.SuggestionFactory()
        people["lead_delegate_user"] = factories.delegate_user(s.lead_delegate, username="lead_delegate")
        people["co_proposer_user"] = factories.delegate_user(s.co_proposers[0], username="co_proposer")
        s = workflow.assign(suggestion=s, lead=lead, co_handlers=[co], by=people["staff"])
        workflow.acknowledge(suggestion=s, by=people["lead_handler"])
        s.refresh_from_db()
        handled = make_handled(
            s,
            staff=people["staff"],
            lead_handler=people["lead_handler"],
            co_handler=people["co_handler"],
            co_proposer_user=people["co_proposer_user"],
        )
        return {**people, "handled": handled, "unassigned": factories.SuggestionFactory(title="另一条建议")}


@pytest.fixture
def handled(db, cast):
    return cast["handled"]


@pytest.fixture
def unassigned(db, cast):
    return cast["unassigned"]


@pytest.fixture
def staff(db, cast):
    return cast["staff"]


@pytest.fixture
def lead_delegate_user(db, cast):
    return cast["lead_delegate_user"]


@pytest.fixture
def as_role(db, api, cast):
    def make(role: str):
        return api(None if role == "public" else cast[role])

    return make


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("role", ROLES)
def test_suggestion_list_is_scoped(role, as_role, handled, unassigned):
    ids = _ids(as_role(role).get("/api/v1/suggestions/"))
    # Every role sees at least what the public sees: a handler too, beyond its departments' suggestions.
    assert ids == {handled.pk, unassigned.pk}


@pytest.mark.parametrize("role", ROLES)
def test_suggestion_detail_shows_the_handling_record_to_those_who_follow_it(role, as_role, handled):
    response = as_role(role).get(f"/api/v1/suggestions/{handled.pk}/")
    assert response.status_code == 200  # the public part for everyone; a 404 means "does not exist"
    data = response.json()
    follows = role in FOLLOWS
    assert data["details_visible"] is follows
    for key in (
        "assignments",
        "contacts",
        "progress_updates",
        "co_opinions",
        "extension_requests",
        "ratings",
    ):
        assert (data[key] is not None) is follows, key
    if follows:
        assert len(data["contacts"]) == 1 and data["contacts"][0]["notes"] == "面商记录"
        assert len(data["replies"]) == 1 and data["replies"][0]["text"]
        assert {e["kind"] for e in data["events"]} > {"contact", "progress", "co_opinion", "rate"}
    else:
        assert data["replies"] == []  # the reply is not published
        assert data["events"] and {e["kind"] for e in data["events"]} <= set(PUBLIC_EVENT_KINDS)
        assert all(
            e["actor_name"] is None and e["data"] is None and e["note"] is None for e in data["events"]
        )
    assert data["handlers"][0]["role"] == "lead"  # which departments handle it is public


RECORD_LISTS = ["assignments", "contacts", "progress-updates", "co-opinions", "extension-requests", "ratings"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", RECORD_LISTS)
def test_handling_record_lists_are_scoped(role, resource, as_role, handled):
    ids = {row["suggestion"] for row in as_role(role).get(f"/api/v1/{resource}/").json()["results"]}
    assert ids == ({handled.pk} if role in FOLLOWS else set())


@pytest.mark.parametrize("role", ROLES)
def test_replies_unpublished_then_title_only(role, as_role, handled, staff):
    rows = as_role(role).get("/api/v1/replies/").json()["results"]
    assert len(rows) == (1 if role in FOLLOWS else 0)
    workflow.publish(suggestion=handled, mode="title_only", by=staff)
    rows = as_role(role).get("/api/v1/replies/").json()["results"]
    (reply,) = rows  # a handler of another department reads what the public reads
    assert reply["doc_number"] and reply["replied_on"] and reply["department"]
    if role in FOLLOWS:
        assert reply["category"] == "B" and reply["text"] and reply["contact_phone"]
    else:  # title only: that it exists, its department and date; not even its category
        assert reply["category"] is None and reply["text"] is None and reply["signer"] is None
        assert reply["contact_phone"] is None and reply["due_date"] is None and reply["on_time"] is None


def test_a_fully_published_reply_shows_its_text_to_the_public(api, handled, staff):
    workflow.publish(suggestion=handled, mode="full", by=staff)
    (reply,) = api().get("/api/v1/replies/").json()["results"]
    assert reply["text"] == "经研究，答复如下：……"
    assert reply["contact_person"] is None and reply["contact_phone"] is None  # the department's contact
    detail = api().get(f"/api/v1/suggestions/{handled.pk}/").json()
    assert detail["replies"][0]["text"] == "经研究，答复如下：……"
    assert detail["replies"][0]["contact_phone"] is None


@pytest.mark.parametrize("role", ROLES)
def test_events_list_is_scoped_and_redacted(role, as_role, handled):
    rows = as_role(role).get("/api/v1/events/", {"page_size": 100}).json()["results"]
    own = [row for row in rows if row["suggestion"] == handled.pk]
    if role in FOLLOWS:
        assert "contact" in {row["kind"] for row in own} and all(row["actor_name"] for row in own)
    else:
        assert own and {row["kind"] for row in own} <= set(PUBLIC_EVENT_KINDS)
        assert all(row["actor_name"] is None and row["data"] is None for row in own)
    others = [row for row in rows if row["suggestion"] != handled.pk]
    if role not in ("staff", "dashboard"):  # the public steps of others' suggestions, redacted
        assert others and all(row["actor_name"] is None and row["data"] is None for row in others)


CONTACT = ("phone", "email", "address", "organization")


@pytest.mark.parametrize("role", ROLES)
def test_delegates_contact_data_only_for_staff_and_the_delegate(role, as_role, handled, lead_delegate_user):
    lead = handled.lead_delegate
    lead.email = "lead@example.cn"
    lead.save()
    data = as_role(role).get(f"/api/v1/delegates/{lead.pk}/").json()
    if role in ("staff", "lead_delegate_user"):
        assert data["phone"] and data["email"] == "lead@example.cn"
    else:
        assert all(data[key] is None for key in CONTACT)
    rows = as_role(role).get("/api/v1/delegates/", {"page_size": 100}).json()["results"]
    seen = {row["name"] for row in rows if row["phone"] is not None}
    if role == "staff":
        assert len(seen) == len(rows)
    elif role in ("lead_delegate_user", "co_proposer_user", "other_delegate_user"):
        assert len(seen) == 1  # their own
    else:
        assert seen == set()


def test_contact_data_never_appears_in_suggestion_data(api, handled):
    phone = handled.lead_delegate.phone
    assert phone
    for path in (f"/api/v1/suggestions/{handled.pk}/", "/api/v1/suggestions/", "/api/v1/contacts/"):
        assert phone not in api().get(path).content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_reference_data_is_public(role, as_role, handled):
    for resource in ("sessions", "themes", "departments"):
        response = as_role(role).get(f"/api/v1/{resource}/")
        assert response.status_code == 200 and response.json()["count"] >= 1


@pytest.mark.parametrize("role", ROLES)
def test_statistics_count_what_the_user_may_see(role, as_role, handled, unassigned):
    data = as_role(role).get("/api/v1/stats/overview/").json()
    assert data["total"] == 2 and data["assigned"] == 1  # every role counts every suggestion
    # the reply is unpublished: only those who read the handling record count it
    assert data["replied"] == (1 if role in FOLLOWS else 0)
    assert data["category_b"] == (1 if role in FOLLOWS else 0)
