from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from delegates.models import Delegate


@admin.register(Delegate)
class DelegateAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "user", "organization"]
    list_filter = ["kind"]
    search_fields = ["name", "organization"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
