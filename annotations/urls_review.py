"""Routes of cross-confirmation: review pages, the dashboard and their REST endpoints."""

from django.urls import path

import annotations.converters  # noqa: F401  (registers the "dbid" path converter)
from annotations.apis import review as api
from annotations.views import review as views

urlpatterns = [
    # Pages
    path("projects/<slug:slug>/review/", views.review_queue_page, name="review-queue"),
    path("projects/<slug:slug>/review/next/", views.review_next, name="review-next"),
    path("projects/<slug:slug>/dashboard/", views.dashboard_page, name="dashboard"),
    path("sections/<dbid:section_id>/review/", views.review_page, name="review"),
    # REST
    path(
        "api/projects/<slug:slug>/review-queue/",
        api.ReviewQueueApi.as_view(),
        name="api-review-queue",
    ),
    path("api/projects/<slug:slug>/dashboard/", api.DashboardApi.as_view(), name="api-dashboard"),
    path(
        "api/sections/<dbid:section_id>/agreement/",
        api.SectionAgreementApi.as_view(),
        name="api-section-agreement",
    ),
    path(
        "api/sections/<dbid:section_id>/consensus/",
        api.SectionConsensusApi.as_view(),
        name="api-section-consensus",
    ),
    path(
        "api/sections/<dbid:section_id>/ground-truth/",
        api.SectionGroundTruthApi.as_view(),
        name="api-section-ground-truth",
    ),
    path(
        "api/sections/<dbid:section_id>/audit/",
        api.SectionAuditApi.as_view(),
        name="api-section-audit",
    ),
    path(
        "api/sections/<dbid:section_id>/review/confirm/",
        api.ReviewConfirmApi.as_view(),
        name="api-review-confirm",
    ),
    path(
        "api/sections/<dbid:section_id>/review/send-back/",
        api.ReviewSendBackApi.as_view(),
        name="api-review-send-back",
    ),
    path(
        "api/sections/<dbid:section_id>/review/exclude/",
        api.ReviewExcludeApi.as_view(),
        name="api-review-exclude",
    ),
]
