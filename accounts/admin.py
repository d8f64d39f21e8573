from django.contrib import admin

from accounts.forms import ThrottledAuthenticationForm
from accounts.models import LoginFailure

admin.site.login_form = ThrottledAuthenticationForm


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Staff can see the failures and delete them to unlock an account early."""

    list_display = ["username", "ip", "at"]
    search_fields = ["username", "ip"]
    readonly_fields = ["username", "ip", "at"]

    def has_add_permission(self, request) -> bool:
        return False
