"""The app's URLs plus the floor: a minimal view running one equivalent SQL query and returning JSON.

The floor answers what ``GET /api/v1/suggestions/`` answers (the exact total and the first page of 20 in
the list order, each with its session, theme, proposers and current departments), but as one
hand-written SQL statement that PostgreSQL turns into JSON itself: no authentication, no ORM, no
serializer. It is the lower bound a Django view can reach for that response on this machine.
"""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path

from config.urls import urlpatterns as app_urlpatterns

LIST_SQL = """
SELECT json_build_object(
  'count', (SELECT count(*) FROM suggestions_suggestion),
  'results', COALESCE(json_agg(page), '[]'::json))::text
FROM (
  SELECT s.id, s.number, s.position, s.title, s.session_id AS session, se.name AS session_name,
         s.theme_id AS theme, t.title AS theme_title, s.status, s.round, s.key_supervision,
         s.disclosure_consent, s.due_date, s.created_at, s.updated_at,
         (SELECT COALESCE(json_agg(json_build_object('id', d.id, 'name', d.name, 'kind', d.kind,
                                                     'position', p.position, 'is_lead', p.position = 1)
                                   ORDER BY p.position), '[]'::json)
            FROM suggestions_proposer p JOIN delegates_delegate d ON d.id = p.delegate_id
           WHERE p.suggestion_id = s.id) AS proposers,
         (SELECT COALESCE(json_agg(json_build_object('department', json_build_object(
                                     'id', dp.id, 'name', dp.name, 'short_name', dp.short_name),
                                   'role', a.role) ORDER BY a.role <> 'lead', a.id), '[]'::json)
            FROM suggestions_assignment a JOIN departments_department dp ON dp.id = a.department_id
           WHERE a.suggestion_id = s.id AND a.round = s.round AND a.status <> 'replaced') AS handlers
    FROM suggestions_suggestion s
    JOIN suggestions_congresssession se ON se.id = s.session_id
    JOIN suggestions_theme t ON t.id = s.theme_id
   ORDER BY s.session_id DESC, s.number
   LIMIT 20
) page
"""

SIMPLE_SQL = (
    "SELECT id, number, title, status FROM suggestions_suggestion ORDER BY session_id DESC, number LIMIT 20"
)


def floor(request):
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # the JSON functions above are PostgreSQL's
            cursor.execute(SIMPLE_SQL)
            columns = [c[0] for c in cursor.description]
            return JsonResponse(
                {"results": [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]}
            )
        cursor.execute(LIST_SQL)
        return HttpResponse(cursor.fetchone()[0], content_type="application/json")


urlpatterns = [path("bench/floor/", floor), *app_urlpatterns]
