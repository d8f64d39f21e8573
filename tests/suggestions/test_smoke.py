from suggestions import workflow
from suggestions.models import EventKind, Status


def test_full_cycle(replied, lead_delegate_user, staff, lead_handler):
    workflow.rate(
        suggestion=replied,
        attitude="satisfied",
        result="unsatisfied",
        comment="没解决",
        by=lead_delegate_user,
    )
    replied.refresh_from_db()
    assert replied.status == Status.REVIEW
    workflow.rehandle(suggestion=replied, note="请重新办理", by=staff)
    replied.refresh_from_db()
    assert replied.round == 2 and replied.status == Status.IN_PROGRESS
    from tests.factories import reply

    reply(replied, lead_handler, category="A", doc_number="太发改函〔2023〕30号")
    workflow.rate(suggestion=replied, attitude="satisfied", result="satisfied", by=lead_delegate_user)
    replied.refresh_from_db()
    assert replied.status == Status.CLOSED
    kinds = list(replied.events.values_list("kind", flat=True))
    assert kinds[0] == EventKind.REGISTER and kinds[-1] == EventKind.RATE
