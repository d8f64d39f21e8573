"""gunicorn.conf.py's pre_fork hook builds the routing index in the master once, before the workers fork,
and leaves no database connection open across the fork."""

from __future__ import annotations

import logging
import runpy
from pathlib import Path

from routing import index as routing_index

ROOT = Path(__file__).resolve().parents[2]


class _Server:
    log = logging.getLogger("gunicorn-test")


def test_the_master_builds_the_index_once_before_forking(earlier, monkeypatch):
    monkeypatch.delenv("TRACKER_ROUTING_WARM", raising=False)
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    builds = []
    real_build = routing_index.build
    monkeypatch.setattr(routing_index, "build", lambda: builds.append(1) or real_build())
    closed = []
    monkeypatch.setattr("django.db.connections.close_all", lambda: closed.append(1))

    conf["pre_fork"](_Server(), worker=None)
    conf["pre_fork"](_Server(), worker=None)  # the second worker forks from the warm master

    assert builds == [1]
    assert earlier.pk in routing_index.current().past
    assert closed == [1]


def test_warming_can_be_switched_off(earlier, monkeypatch):
    monkeypatch.setenv("TRACKER_ROUTING_WARM", "false")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    conf["pre_fork"](_Server(), worker=None)
    assert routing_index._index is None
