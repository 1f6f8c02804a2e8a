from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import disputes, downloads, views, write

app_name = "api"

router = DefaultRouter()
router.register("states", views.StateViewSet, basename="state")
router.register("action-plans", views.ActionPlanViewSet, basename="action-plan")
router.register("commitments", views.CommitmentViewSet, basename="commitment")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("history", views.StatusUpdateViewSet, basename="history")

urlpatterns = [
    path("api/v1/milestones/bulk/status/", write.bulk_report_status, name="bulk-report-status"),
    path(
        "api/v1/milestones/bulk/verification/",
        write.bulk_record_verification,
        name="bulk-record-verification",
    ),
    path("api/v1/milestones/<int:pk>/status/", write.report_status, name="report-status"),
    path("api/v1/milestones/<int:pk>/evidence/", write.add_evidence, name="add-evidence"),
    path(
        "api/v1/milestones/<int:pk>/evidence/link/",
        write.add_link_evidence,
        name="add-link-evidence",
    ),
    path(
        "api/v1/milestones/<int:pk>/evidence/file/",
        write.add_file_evidence,
        name="add-file-evidence",
    ),
    path(
        "api/v1/milestones/<int:pk>/verification/",
        write.record_verification,
        name="record-verification",
    ),
    path(
        "api/v1/milestones/<int:pk>/dispute/answer/",
        disputes.answer_dispute,
        name="answer-dispute",
    ),
    path(
        "api/v1/milestones/<int:pk>/dispute/withdraw/",
        disputes.withdraw_dispute,
        name="withdraw-dispute",
    ),
    path(
        "api/v1/milestones/<int:pk>/dispute/maintain/",
        disputes.maintain_dispute,
        name="maintain-dispute",
    ),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view loads its script from a URL, not inline, as the CSP requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("datos/<str:dataset>.<str:fmt>", downloads.download, name="download"),
    path("datos/<slug:state>/planes/<int:number>.csv", downloads.plan_download, name="plan-file"),
    path("datos/<slug:state>/<str:dataset>.<str:fmt>", downloads.download, name="state-download"),
]
