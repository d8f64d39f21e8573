"""The pages of the suggestion workflow."""

from django.urls import path

from suggestions.web.views import assign, dashboard, home, suggestions

urlpatterns = [
    path("", home.home, name="home"),
    path("suggestions/", suggestions.suggestion_list, name="suggestion_list"),
    path("suggestions/<int:pk>/", suggestions.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/<slug:step>/", suggestions.suggestion_step, name="suggestion_step"),
    path("replies/<int:pk>/letter.pdf", suggestions.reply_pdf, name="reply_pdf"),
    path("assign/", assign.assign_bulk, name="assign_bulk"),
    path("queues/<slug:slug>/", home.queue, name="queue"),
    path("inbox/", home.inbox, name="inbox"),
    path("mine/", home.my_suggestions, name="my_suggestions"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
]
