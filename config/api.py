"""The one DRF router: every REST resource is registered here under /api/v1/."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
