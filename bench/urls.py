"""The app's URLs plus the floor: a minimal view running one equivalent SQL query and returning JSON."""

from django.db import connection
from django.http import JsonResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

LIST_SQL = (
    "SELECT id, number, title, status, due_date, round FROM suggestions_suggestion "
    "ORDER BY session_id, number LIMIT 20"
)


def floor(request):
    with connection.cursor() as cursor:
        cursor.execute(LIST_SQL)
        columns = [c.name for c in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return JsonResponse({"results": rows}, json_dumps_params={"default": str})


urlpatterns = [path("bench/floor/", floor), *app_urlpatterns]
