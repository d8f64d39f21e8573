"""The departments grouped by kind for the pickers (市级部门 / 镇·区 / 驻太单位 …), each group in the official
order: the 交办 screen's rows and the step pages' 协办 fields (suggestions/forms.py) show the same groups."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy

from departments.models import Department, DepartmentKind

# The picker's groups, in this order; the departments inside each in the official order (Meta.ordering).
KIND_GROUPS: list[tuple[str, tuple[str, ...]]] = [
    (gettext_lazy("市级部门"), (DepartmentKind.GOVERNMENT,)),
    (gettext_lazy("镇·区"), (DepartmentKind.OTHER, DepartmentKind.TOWN)),
    (gettext_lazy("驻太单位"), (DepartmentKind.OUTPOST, DepartmentKind.PROVINCIAL)),
]


def department_groups(departments: Iterable[Department]) -> list[tuple[str, list[tuple[int, str]]]]:
    """[(group label, [(pk, name), …]), …]: the departments grouped by kind, each group in the given order
    (pass them in the official order: ``Department.objects`` is)."""
    departments = list(departments)
    groups = []
    placed: set[int] = set()
    for label, kinds in KIND_GROUPS:
        members = [(d.pk, d.name) for d in departments if d.kind in kinds]
        placed.update(pk for pk, _name in members)
        if members:
            groups.append((str(label), members))
    rest = [(d.pk, d.name) for d in departments if d.pk not in placed]
    if rest:
        groups.append((str(gettext_lazy("其他")), rest))
    return groups
