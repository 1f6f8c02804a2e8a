"""The contributor panel, apart from the public pages (as pretix keeps control from presale)."""

from django.urls import path

from api import token_views

from . import panel_views

app_name = "panel"

urlpatterns = [
    path("", panel_views.dashboard, name="dashboard"),
    path("hitos/<int:pk>/", panel_views.milestone_detail, name="milestone"),
    path("hitos/<int:pk>/estatus/", panel_views.report_status, name="report-status"),
    path("hitos/<int:pk>/evidencia/", panel_views.add_evidence, name="add-evidence"),
    path("hitos/<int:pk>/verificacion/", panel_views.verify, name="verify"),
    path("evidencia/<int:pk>/retirar/", panel_views.retract_evidence, name="retract-evidence"),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revocar/", token_views.revoke_token, name="revoke-token"),
]
