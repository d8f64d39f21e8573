"""Who logs in: failed login attempts, kept to lock out password guessing."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginFailure(models.Model):
    """登录失败: one failed attempt; enough of them in a window lock the username out for a while."""

    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.username} {self.ip} {self.at:%Y-%m-%d %H:%M}"


class LoginGuard(models.Model):
    """A lock row per username and per client address: an attempt locks its rows (in key order) while it
    counts the recent failures and records its own, so concurrent attempts are counted one after the
    other and no more than the limit ever reach the password check (accounts/forms.py)."""

    key = models.CharField(_("键"), max_length=200, primary_key=True)  # "u:<username>" or "a:<address>"
    at = models.DateTimeField(_("最近尝试"), db_index=True)

    class Meta:
        verbose_name = _("登录计数锁")
        verbose_name_plural = _("登录计数锁")

    def __str__(self) -> str:
        return self.key
