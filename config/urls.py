from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView

from config.api import router
from routing.api import RecommendedDepartmentsView, SimilarSuggestionsView
from suggestions.api.views import ApiDocsView, not_found

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path(
        "api/v1/suggestions/<int:pk>/recommended-departments/",
        RecommendedDepartmentsView.as_view(),
        name="suggestion-recommended-departments",
    ),
    path("api/v1/suggestions/<int:pk>/similar/", SimilarSuggestionsView.as_view(), name="suggestion-similar"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", ApiDocsView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", not_found),
    path("notifications/", include("notifications.urls")),
    path("reports/", include("reports.urls")),
    path("import/", include("imports.urls")),
    path("accounts/", include("accounts.urls")),
    path("delegates/", include("delegates.urls")),
    path("routing/", include("routing.urls")),
    path("", include("suggestions.web.urls")),
]
# No /media/ route, not even with DEBUG: the only uploads are reply letters, and they are served by
# `reply_pdf`, which checks who may read them (an unpublished reply's letter stays private).
