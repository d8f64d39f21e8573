"""With DATABASE_REPLICA_URL, the API reads from the streaming replica, and a user reads their own
writes from the primary.

A gunicorn server runs on the live test database with the same database on the local cluster's replica
(scripts/start-replica) and Redis for the pins. The replica's replay is paused during the test, so what
it serves is visibly older than the primary: a read that sees a row written after the pause was served
by the primary, one that does not by the replica.
"""

from __future__ import annotations

import time

import pytest
from rest_framework.authtoken.models import Token

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

PIN_SECONDS = 2


@pytest.fixture
def server(start_server, replica, redis_space):
    return start_server(
        DATABASE_REPLICA_URL=replica.url,
        REDIS_URL=redis_space.url,
        DJANGO_CACHE_KEY_PREFIX=redis_space.prefix,
        DJANGO_REPLICA_PIN_SECONDS=str(PIN_SECONDS),
    )


def test_reads_come_from_the_replica_and_a_writer_reads_their_own_write(server, replica, groups):
    staff = factories.staff_user(username="replica_staff")
    dashboard = factories.dashboard_user(username="replica_dashboard")
    staff_token, dashboard_token = (Token.objects.create(user=u).key for u in (staff, dashboard))
    first = factories.SuggestionFactory()
    detail = f"/api/v1/suggestions/{first.pk}/"

    def key_supervision(token: str) -> bool:
        return server.get_json(detail, token=token)["key_supervision"]

    def listed(token: str) -> int:
        return server.get_json("/api/v1/suggestions/", token=token)["count"]

    with replica.exclusive():
        replica.wait_replayed()
        assert replica.query(replica.replica_dsn, "SELECT pg_is_in_recovery()") is True
        assert listed(dashboard_token) == 1 and not key_supervision(dashboard_token)
        replica.set_replay(paused=True)

        # Written on the primary after the pause: the API does not see it, it reads the replica.
        factories.SuggestionFactory()
        assert listed(dashboard_token) == 1
        assert listed(staff_token) == 1  # staff have written nothing yet: the replica too

        # Staff write through the API; their next reads, on every endpoint, come from the primary.
        status, _, body = server.request(
            "POST", f"{detail}supervision/", token=staff_token, data={"on": True, "note": "重点"}
        )
        assert status == 200, body
        assert key_supervision(staff_token) is True
        assert listed(staff_token) == 2
        # Another user is served by the replica, which has not replayed the write.
        assert key_supervision(dashboard_token) is False
        assert listed(dashboard_token) == 1

        # The pin lasts REPLICA_PIN_SECONDS: then the writer reads the replica again, like everyone.
        time.sleep(PIN_SECONDS + 0.5)
        assert key_supervision(staff_token) is False

        replica.set_replay(paused=False)
        replica.wait_replayed()
        assert key_supervision(dashboard_token) is True
        assert listed(dashboard_token) == 2


def test_a_write_goes_to_the_primary_even_for_a_row_the_replica_lacks(server, replica, groups):
    staff = factories.staff_user(username="replica_pages")
    token = Token.objects.create(user=staff).key
    with replica.exclusive():
        replica.wait_replayed()
        replica.set_replay(paused=True)
        suggestion = factories.SuggestionFactory(title="暂停回放之后登记的建议")
        # The API reads the replica, which lacks it; a write to it is on the primary, and so is the
        # writer's read right after.
        status, _, _ = server.request("GET", f"/api/v1/suggestions/{suggestion.pk}/", token=token)
        assert status == 404
        status, _, body = server.request(
            "POST", f"/api/v1/suggestions/{suggestion.pk}/supervision/", token=token, data={"on": True}
        )
        assert status == 200, body
        assert server.get_json(f"/api/v1/suggestions/{suggestion.pk}/", token=token)["key_supervision"]
