from django.urls import path

from reports import views

app_name = "reports"
urlpatterns = [
    path("suggestions.csv", views.suggestions_csv, name="suggestions_csv"),
    path("suggestions.xlsx", views.suggestions_xlsx, name="suggestions_xlsx"),
    path("delegates.csv", views.delegates_csv, name="delegates_csv"),
    path("supervision/", views.supervision, name="supervision"),
    path("report/", views.report, name="report"),
    path("report.pdf", views.report_pdf, name="report_pdf"),
]
