"""职责: what each department is for, the knowledge the recommendation starts from before any history."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from departments.models import Department


class Remit(models.Model):
    """A department's remit (职责): a short text and the keywords a suggestion in its business uses."""

    department = models.OneToOneField(
        Department, verbose_name=_("承办单位"), on_delete=models.CASCADE, related_name="remit"
    )
    text = models.TextField(_("职责"), help_text=_("简述本单位的主要职责"))
    keywords = models.TextField(
        _("关键词"), blank=True, help_text=_("建议中出现即指向本单位的词语，以空格或逗号分隔")
    )
    updated_at = models.DateTimeField(_("最后变更"), auto_now=True)

    class Meta:
        verbose_name = _("单位职责")
        verbose_name_plural = _("单位职责")
        ordering = ["department__sort_order", "department__name"]

    def __str__(self) -> str:
        return str(self.department)

    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)


def split_keywords(value: str) -> list[str]:
    seen: dict[str, None] = {}
    for word in value.replace("，", " ").replace(",", " ").replace("、", " ").split():
        seen.setdefault(word.strip(), None)
    return [w for w in seen if w]
