"""The one DRF router: every REST resource is registered here under /api/v1/."""

from rest_framework.routers import DefaultRouter

from suggestions.api import views as api
from suggestions.api.delegates import DelegateViewSet
from suggestions.api.departments import DepartmentViewSet
from suggestions.api.me import MeViewSet

router = DefaultRouter()
router.register("me", MeViewSet, basename="me")
router.register("sessions", api.SessionViewSet, basename="session")
router.register("themes", api.ThemeViewSet, basename="theme")
router.register("suggestions", api.SuggestionViewSet, basename="suggestion")
router.register("delegates", DelegateViewSet, basename="delegate")
router.register("departments", DepartmentViewSet, basename="department")
router.register("assignments", api.AssignmentViewSet, basename="assignment")
router.register("contacts", api.ContactRecordViewSet, basename="contact")
router.register("progress-updates", api.ProgressUpdateViewSet, basename="progress-update")
router.register("co-opinions", api.CoHandlerOpinionViewSet, basename="co-opinion")
router.register("extension-requests", api.ExtensionRequestViewSet, basename="extension-request")
router.register("replies", api.ReplyViewSet, basename="reply")
router.register("ratings", api.RatingViewSet, basename="rating")
router.register("events", api.EventViewSet, basename="event")
router.register("stats", api.StatsViewSet, basename="stats")
