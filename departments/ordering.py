"""A department of the catalogue takes its official place when saved, also when loaded from the fixture.

Connected in ``departments.apps``; here, not in the model module, so that the catalogue (which names the
departments' kinds) and the model do not import each other.
"""

from __future__ import annotations

from departments.catalog import UNLISTED, sort_order
from departments.models import Department


def take_the_official_order(sender, instance: Department, raw: bool = False, **kwargs) -> None:
    if instance.sort_order in (0, UNLISTED):
        instance.sort_order = sort_order(instance.name)
