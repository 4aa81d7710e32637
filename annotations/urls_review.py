"""Routes of cross-confirmation: review pages, the dashboard and their REST endpoints."""

from annotations.apis import review as api
from annotations.urls_parts import page, rest, routes
from annotations.views import review as views

ROUTES = {
    # Pages
    "projects/<slug:slug>/": {
        "review/": page(views.review_queue_page, "review-queue"),
        "review/next/": page(views.review_next, "review-next"),
        "dashboard/": page(views.dashboard_page, "dashboard"),
    },
    "sections/<dbid:section_id>/review/": page(views.review_page, "review"),
    # REST
    "api/projects/<slug:slug>/": {
        "review-queue/": rest(api.ReviewQueueApi, "api-review-queue"),
        "dashboard/": rest(api.DashboardApi, "api-dashboard"),
    },
    "api/sections/<dbid:section_id>/": {
        "agreement/": rest(api.SectionAgreementApi, "api-section-agreement"),
        "consensus/": rest(api.SectionConsensusApi, "api-section-consensus"),
        "ground-truth/": rest(api.SectionGroundTruthApi, "api-section-ground-truth"),
        "audit/": rest(api.SectionAuditApi, "api-section-audit"),
        "review/confirm/": rest(api.ReviewConfirmApi, "api-review-confirm"),
        "review/send-back/": rest(api.ReviewSendBackApi, "api-review-send-back"),
        "review/exclude/": rest(api.ReviewExcludeApi, "api-review-exclude"),
        "review/include/": rest(api.ReviewIncludeApi, "api-review-include"),
    },
}

urlpatterns = routes(ROUTES)
