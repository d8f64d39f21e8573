from django.contrib.auth import views as auth_views
from django.urls import path

from accounts.forms import ThrottledAuthenticationForm
from suggestions import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("suggestions/", views.suggestion_list, name="suggestion_list"),
    path("suggestions/<int:pk>/", views.suggestion_detail, name="suggestion_detail"),
    path("suggestions/<int:pk>/<slug:step>/", views.suggestion_step, name="suggestion_step"),
    path("replies/<int:pk>/letter.pdf", views.reply_pdf, name="reply_pdf"),
    path("assign/", views.assign_bulk, name="assign_bulk"),
    path("queues/<slug:slug>/", views.queue, name="queue"),
    path("inbox/", views.inbox, name="inbox"),
    path("mine/", views.my_suggestions, name="my_suggestions"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("delegates/", views.delegate_list, name="delegate_list"),
    path("delegates/<int:pk>/", views.delegate_detail, name="delegate_detail"),
]
