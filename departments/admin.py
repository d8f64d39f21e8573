from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from departments.models import Department


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
    list_display = ["name", "short_name", "kind", "confirmed", "active"]
    list_filter = ["kind", "confirmed", "active"]
    list_editable = ["confirmed", "active"]
    search_fields = ["name", "short_name"]
    filter_horizontal = ["members"]
