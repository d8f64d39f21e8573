"""The pages of the suggestion workflow."""

from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import path

from suggestions.web.views import assign, dashboard, home, screen, suggestions


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    # static() asks the storage at request time: at import time the manifest may not exist yet
    # (collectstatic itself loads the URLs), and a missing entry would stop every command.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


urlpatterns = [
    path("", home.home, name="home"),
    # Browsers (and the admin's pages, which link no icon) ask for /favicon.ico: the app's SVG icon.
    path("favicon.ico", favicon, name="favicon"),
    path("suggestions/", suggestions.suggestion_list, name="suggestion_list"),
    path("suggestions/<int:pk>/", suggestions.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/<slug:step>/", suggestions.suggestion_step, name="suggestion_step"),
    path("replies/<int:pk>/letter.pdf", suggestions.reply_pdf, name="reply_pdf"),
    path("assign/", assign.assign_bulk, name="assign_bulk"),
    path("queues/<slug:slug>/", home.queue, name="queue"),
    path("inbox/", home.inbox, name="inbox"),
    path("mine/", home.my_suggestions, name="my_suggestions"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("screen/", screen.screen, name="screen"),
]
