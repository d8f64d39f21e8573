from django.urls import path

from imports import views as import_views

urlpatterns = [
    path("", import_views.upload, name="import_upload"),
    path("review/", import_views.review, name="import_review"),
    path("confirm/", import_views.confirm, name="import_confirm"),
]
