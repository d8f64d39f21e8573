from django.urls import path

from delegates import views

urlpatterns = [
    path("", views.delegate_list, name="delegate_list"),
    path("<int:pk>/", views.delegate_detail, name="delegate_detail"),
]
