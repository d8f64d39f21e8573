from django.contrib import admin

from routing.models import Remit


@admin.register(Remit)
class RemitAdmin(admin.ModelAdmin):
    list_display = ["department", "keywords", "updated_at"]
    search_fields = ["department__name", "text", "keywords"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
