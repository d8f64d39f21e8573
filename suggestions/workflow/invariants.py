"""The rules the data must obey whatever happened to it: checked by `manage.py check_invariants`,
the load run (scripts/loadrun.py) and the property-based tests (tests/fuzz/).

Each rule reads the rows as they are, not through the workflow, so a bug in a workflow step, a lost
update under concurrency or a faulty restore shows up as a violation:

- one lead per round: every round of an assigned suggestion has exactly one active lead department;
- due dates ordered: assignment dates follow one another, the suggestion's due date is its current
  lead's, no lead date beyond the 6-month limit, replies dated after their assignment;
- events complete: the timeline starts with 登记, each event starts where the one before ended, the last
  ends at the current status, each change is an allowed transition, and every handling record has its
  event (replies, ratings, contacts, progress, opinions, extensions, reassignments, re-handlings);
- status agrees with the records: a replied suggestion has this round's reply, a closed one too, one
  under review has the lead's 不满意 rating, one in progress has its lead's acknowledgement, …;
- statistics facts and counters: the stored facts equal a fresh computation from the records, and (over
  every suggestion) the stored counters equal their sums over the facts.

The checks load the rows in a fixed number of queries (about a dozen, whatever the number of suggestions).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from suggestions import calendar
from suggestions.models import (
    Assignment,
    AssignmentStatus,
    CoHandlerOpinion,
    ContactRecord,
    Event,
    EventKind,
    ExtensionRequest,
    HandlerRole,
    ProgressKind,
    ProgressUpdate,
    Proposer,
    Publication,
    Rating,
    Reply,
    RequestStatus,
    Status,
    Suggestion,
    Verdict,
)

HANDLED_STATUSES = (Status.ASSIGNED, Status.IN_PROGRESS, Status.REPLIED, Status.REVIEW, Status.CLOSED)
OPEN = (Status.ASSIGNED, Status.IN_PROGRESS)


@dataclass(frozen=True)
class Violation:
    suggestion_id: int
    number: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"suggestion {self.suggestion_id} (第{self.number}号) [{self.rule}] {self.detail}"


def _by_suggestion(rows: Iterable[dict]) -> dict[int, list[dict]]:
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["suggestion_id"]].append(row)
    return grouped


def _counts(model, **filters) -> Counter:
    return Counter(model.objects.filter(**filters).values_list("suggestion_id", flat=True).order_by())


def violations(suggestion_ids: Iterable[int] | None = None) -> list[Violation]:
    """Every broken rule, over all suggestions or the given ones; an empty list when all hold."""
    from suggestions.workflow.base import TRANSITIONS  # the one table of allowed status changes

    suggestions = Suggestion.objects.order_by("pk")
    scope: dict = {}
    if suggestion_ids is not None:
        ids = list(suggestion_ids)
        suggestions = suggestions.filter(pk__in=ids)
        scope = {"suggestion_id__in": ids}
    rows = list(suggestions.values("pk", "number", "status", "round", "due_date"))

    assignments = _by_suggestion(
        Assignment.objects.filter(**scope)
        .order_by("suggestion_id", "round", "id")
        .values(
            "suggestion_id",
            "id",
            "department_id",
            "role",
            "round",
            "status",
            "assigned_on",
            "acknowledge_due",
            "acknowledged_on",
            "due_date",
        )
    )
    events = _by_suggestion(
        Event.objects.filter(**scope)
        .order_by("suggestion_id", "id")
        .values("suggestion_id", "id", "kind", "round", "from_status", "to_status", "data")
    )
    replies = _by_suggestion(
        Reply.objects.filter(**scope)
        .order_by("suggestion_id", "round")
        .values("suggestion_id", "id", "round", "department_id", "replied_on", "publication", "published_at")
    )
    ratings = _by_suggestion(
        Rating.objects.filter(**scope)
        .order_by("suggestion_id", "round", "id")
        .values("suggestion_id", "round", "reply_id", "delegate_id", "is_lead", "attitude", "result")
    )
    positions = defaultdict(dict)
    for suggestion_id, delegate_id, position in Proposer.objects.filter(**scope).values_list(
        "suggestion_id", "delegate_id", "position"
    ):
        positions[suggestion_id][delegate_id] = position
    contacts = _counts(ContactRecord, **scope)
    progress = _counts(ProgressUpdate, kind=ProgressKind.PROGRESS, **scope)
    follow_ups = _counts(ProgressUpdate, kind=ProgressKind.FOLLOW_UP, **scope)
    opinions = _counts(CoHandlerOpinion, **scope)
    extensions = _counts(ExtensionRequest, **scope)
    extensions_decided = {
        status: _counts(ExtensionRequest, status=status, **scope)
        for status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    }

    found: list[Violation] = []
    for s in rows:
        pk = s["pk"]

        def bad(rule: str, detail: str, s=s) -> None:
            found.append(Violation(s["pk"], s["number"], rule, detail))

        _check_assignments(s, assignments.get(pk, []), bad)
        _check_timeline(s, events.get(pk, []), TRANSITIONS, bad)
        _check_records(
            s,
            assignments.get(pk, []),
            replies.get(pk, []),
            ratings.get(pk, []),
            positions.get(pk, {}),
            bad,
        )
        kinds = Counter(e["kind"] for e in events.get(pk, []))
        pending_reassignments = sum(
            1 for a in assignments.get(pk, []) if a["status"] == AssignmentStatus.REASSIGN_REQUESTED
        )
        replaced = sum(1 for a in assignments.get(pk, []) if a["status"] == AssignmentStatus.REPLACED)
        expected = {
            EventKind.REPLY: len(replies.get(pk, [])),
            EventKind.RATE: len(ratings.get(pk, [])),
            EventKind.CONTACT: contacts[pk],
            EventKind.PROGRESS: progress[pk],
            EventKind.FOLLOW_UP: follow_ups[pk],
            EventKind.CO_OPINION: opinions[pk],
            EventKind.REQUEST_EXTENSION: extensions[pk],
            EventKind.APPROVE_EXTENSION: extensions_decided[RequestStatus.APPROVED][pk],
            EventKind.REJECT_EXTENSION: extensions_decided[RequestStatus.REJECTED][pk],
            EventKind.APPROVE_REASSIGNMENT: replaced,
            EventKind.REHANDLE: s["round"] - 1,
            EventKind.ASSIGN: 1 if assignments.get(pk) else 0,
        }
        for kind, count in expected.items():
            if kinds[kind] != count:
                bad("events complete", f"{kinds[kind]} {kind} event(s) for {count} record(s)")
        requested = kinds[EventKind.REQUEST_REASSIGNMENT]
        settled = kinds[EventKind.APPROVE_REASSIGNMENT] + kinds[EventKind.REJECT_REASSIGNMENT]
        if requested != settled + pending_reassignments:
            bad(
                "events complete",
                f"{requested} reassignment request(s), {settled} decided, {pending_reassignments} pending",
            )
        _check_publication(s, replies.get(pk, []), events.get(pk, []), bad)
    _check_facts(
        suggestion_ids if suggestion_ids is None else ids, {s["pk"]: s["number"] for s in rows}, found
    )
    if suggestion_ids is None:
        _check_counters(found)
    return found


def _check_counters(found: list[Violation]) -> None:
    """The stored statistics counters equal their sums over the stored facts (suggestions/queries/counters.py),
    which ``_check_facts`` compares with the records: so the counters equal a fresh computation. Checked over
    every suggestion only (a cell sums many)."""
    from suggestions.queries import counters

    for detail in counters.differences():
        found.append(Violation(0, 0, "statistics counters", detail))


def _check_facts(suggestion_ids, numbers: dict[int, int], found: list[Violation]) -> None:
    """The stored statistics facts equal a fresh computation from the records (suggestions/facts.py)."""
    from suggestions.queries import facts

    for pk, detail in facts.differences(suggestion_ids):
        found.append(Violation(pk, numbers.get(pk, 0), "statistics facts", detail))


def _check_assignments(s: dict, assignments: list[dict], bad) -> None:
    """One lead per round, and the assignment dates in order."""
    active = [a for a in assignments if a["status"] != AssignmentStatus.REPLACED]
    if not assignments:
        if s["status"] in HANDLED_STATUSES:
            bad("one lead per round", f"status {s['status']} without any assignment")
        if s["round"] != 1:
            bad("one lead per round", f"round {s['round']} without any assignment")
        return
    if s["status"] in (Status.REGISTERED, Status.NOT_ACCEPTED):
        bad("one lead per round", f"status {s['status']} with assignments")
    for round_ in range(1, s["round"] + 1):
        leads = [a for a in active if a["round"] == round_ and a["role"] == HandlerRole.LEAD]
        if len(leads) != 1:
            bad("one lead per round", f"round {round_} has {len(leads)} active lead assignments")
        departments = Counter(a["department_id"] for a in active if a["round"] == round_)
        if any(n > 1 for n in departments.values()):
            bad("one lead per round", f"round {round_} has a department assigned twice")
    if any(a["round"] > s["round"] for a in assignments):
        bad("one lead per round", f"an assignment of a round after the current one ({s['round']})")
    current_lead = next(
        (a for a in active if a["round"] == s["round"] and a["role"] == HandlerRole.LEAD), None
    )
    for a in assignments:
        if not (a["assigned_on"] <= a["acknowledge_due"] and a["assigned_on"] <= a["due_date"]):
            bad("due dates ordered", f"assignment {a['id']}: due dates before its assignment date")
        if a["acknowledged_on"] is not None and a["acknowledged_on"] < a["assigned_on"]:
            bad("due dates ordered", f"assignment {a['id']}: acknowledged before it was assigned")
        if (a["status"] == AssignmentStatus.ACKNOWLEDGED) != (a["acknowledged_on"] is not None) and a[
            "status"
        ] != AssignmentStatus.REPLACED:
            bad(
                "due dates ordered",
                f"assignment {a['id']}: status {a['status']} and acknowledged_on disagree",
            )
        if a["role"] == HandlerRole.LEAD and a["due_date"] > calendar.latest_extension(a["assigned_on"]):
            bad("due dates ordered", f"assignment {a['id']}: reply due beyond six months")
        lead = next((x for x in active if x["round"] == a["round"] and x["role"] == HandlerRole.LEAD), None)
        if a["role"] == HandlerRole.CO and a["status"] != AssignmentStatus.REPLACED and lead is not None:
            if a["due_date"] > max(lead["due_date"], a["assigned_on"]):
                bad("due dates ordered", f"assignment {a['id']}: co-handler's opinion due after the reply")
    if s["status"] in HANDLED_STATUSES and s["due_date"] is None:
        bad("due dates ordered", f"status {s['status']} without a due date")
    if s["status"] in OPEN and current_lead is not None and s["due_date"] != current_lead["due_date"]:
        bad(
            "due dates ordered",
            f"due date {s['due_date']} differs from the current lead's {current_lead['due_date']}",
        )
    if s["status"] == Status.IN_PROGRESS and current_lead is not None:
        if current_lead["status"] != AssignmentStatus.ACKNOWLEDGED:
            bad("status agrees", "in progress but the lead department has not acknowledged")


def _check_timeline(s: dict, events: list[dict], transitions: dict, bad) -> None:
    """The events tell the whole story: from 登记 to the current status, by allowed steps."""
    if not events:
        bad("events complete", "no event at all")
        return
    first = events[0]
    if first["kind"] != EventKind.REGISTER or first["from_status"] != Status.REGISTERED:
        bad("events complete", f"the first event is {first['kind']} from {first['from_status']}")
    if sum(1 for e in events if e["kind"] == EventKind.REGISTER) != 1:
        bad("events complete", "not exactly one register event")
    previous = None
    for e in events:
        if previous is not None:
            if e["from_status"] != previous["to_status"]:
                bad(
                    "events complete",
                    f"event {e['id']} ({e['kind']}) starts at {e['from_status']}, "
                    f"the one before ended at {previous['to_status']}",
                )
            if e["round"] < previous["round"]:
                bad("events complete", f"event {e['id']} goes back to round {e['round']}")
        if e["from_status"] != e["to_status"] and e["to_status"] not in transitions[e["from_status"]]:
            bad("events complete", f"event {e['id']}: {e['from_status']} → {e['to_status']} is not allowed")
        previous = e
    if previous["to_status"] != s["status"]:
        bad("events complete", f"the last event ends at {previous['to_status']}, the status is {s['status']}")
    if previous["round"] != s["round"]:
        bad(
            "events complete",
            f"the last event is of round {previous['round']}, the suggestion of {s['round']}",
        )


def _check_records(
    s: dict, assignments: list[dict], replies: list[dict], ratings: list[dict], positions: dict, bad
) -> None:
    """The status agrees with the replies and ratings of the current round."""
    status, round_ = s["status"], s["round"]
    reply_rounds = Counter(r["round"] for r in replies)
    if any(n > 1 for n in reply_rounds.values()):
        bad("status agrees", "two replies in one round")
    current_reply = next((r for r in replies if r["round"] == round_), None)
    if status in (Status.REPLIED, Status.REVIEW, Status.CLOSED) and current_reply is None:
        bad("status agrees", f"status {status} without a reply of round {round_}")
    if status in (Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS) and current_reply is not None:
        bad("status agrees", f"status {status} with a reply of round {round_}")
    if any(r["round"] > round_ for r in replies):
        bad("status agrees", "a reply of a later round")
    active_leads = {
        a["round"]: a
        for a in assignments
        if a["role"] == HandlerRole.LEAD and a["status"] != AssignmentStatus.REPLACED
    }
    for r in replies:
        lead = active_leads.get(r["round"])
        if lead is None or lead["department_id"] != r["department_id"]:
            bad("status agrees", f"reply {r['id']} is not from the round's lead department")
        elif r["replied_on"] < lead["assigned_on"]:
            bad("due dates ordered", f"reply {r['id']} dated before its assignment")
    reply_by_id = {r["id"]: r for r in replies}
    lead_ratings = [x for x in ratings if x["is_lead"]]
    for x in ratings:
        reply = reply_by_id.get(x["reply_id"])
        if reply is None or reply["round"] != x["round"]:
            bad("status agrees", f"a rating of round {x['round']} is not of that round's reply")
        position = positions.get(x["delegate_id"])
        if position is None or (position == 1) != x["is_lead"]:
            bad("status agrees", "a rating by someone who is not (or not the lead) proposer")
    if any(n > 1 for n in Counter(x["round"] for x in lead_ratings).values()):
        bad("status agrees", "two lead ratings in one round")
    current_lead_rating = next((x for x in lead_ratings if x["round"] == round_), None)
    if status == Status.REPLIED and current_lead_rating is not None:
        bad("status agrees", "replied, yet the lead delegate has rated this round")
    if status == Status.REVIEW:
        unsatisfied = current_lead_rating is not None and Verdict.UNSATISFIED in (
            current_lead_rating["attitude"],
            current_lead_rating["result"],
        )
        if not unsatisfied:
            bad("status agrees", "under review without the lead delegate's 不满意 rating")


def _check_publication(s: dict, replies: list[dict], events: list[dict], bad) -> None:
    """A reply is published as the last publish / unpublish event of its round says."""
    last: dict[int, str] = {}
    for e in events:
        if e["kind"] == EventKind.PUBLISH:
            last[e["data"].get("reply_round")] = e["data"].get("mode")
        elif e["kind"] == EventKind.UNPUBLISH:
            last[e["data"].get("reply_round")] = Publication.UNPUBLISHED
    for r in replies:
        expected = last.get(r["round"], Publication.UNPUBLISHED)
        if r["publication"] != expected:
            bad("events complete", f"reply {r['id']} is {r['publication']}, its events say {expected}")
        if (r["publication"] != Publication.UNPUBLISHED) != (r["published_at"] is not None):
            bad("status agrees", f"reply {r['id']}: publication and published_at disagree")
