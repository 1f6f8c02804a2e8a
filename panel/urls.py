"""The contributor panel, apart from the public pages (as pretix keeps control from presale)."""

from django.urls import path

from . import information_requests, token_views, views

app_name = "panel"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("hitos/", views.worklist, name="worklist"),
    path("reportar/<str:token>/", views.report_link, name="report-link"),
    path("hitos/actualizar/", views.bulk_update, name="bulk"),
    path("hitos/<int:pk>/", views.milestone_detail, name="milestone"),
    path("hitos/<int:pk>/estatus/", views.report_status, name="report-status"),
    path("hitos/<int:pk>/evidencia/", views.add_evidence, name="add-evidence"),
    path("hitos/<int:pk>/verificacion/", views.verify, name="verify"),
    path("hitos/<int:pk>/disputa/responder/", views.answer_dispute, name="answer-dispute"),
    path("hitos/<int:pk>/disputa/retirar/", views.withdraw_dispute, name="withdraw-dispute"),
    path("hitos/<int:pk>/disputa/mantener/", views.maintain_dispute, name="maintain-dispute"),
    path("evidencia/<int:pk>/retirar/", views.retract_evidence, name="retract-evidence"),
    path("solicitudes/", information_requests.request_list, name="information-requests"),
    path(
        "solicitudes/hitos/<int:pk>/",
        information_requests.draft,
        name="information-request-draft",
    ),
    path("solicitudes/<int:pk>/", information_requests.detail, name="information-request"),
    path(
        "solicitudes/<int:pk>/solicitud.txt",
        information_requests.text_download,
        name="information-request-text",
    ),
    path(
        "solicitudes/<int:pk>/presentada/",
        information_requests.record_filing,
        name="information-request-filed",
    ),
    path(
        "solicitudes/<int:pk>/respuesta/",
        information_requests.record_answer,
        name="information-request-answer",
    ),
    path(
        "solicitudes/<int:pk>/ampliacion/",
        information_requests.record_extension,
        name="information-request-extension",
    ),
    path(
        "solicitudes/<int:pk>/retirada/",
        information_requests.withdraw,
        name="information-request-withdrawal",
    ),
    path(
        "solicitudes/<int:pk>/eliminar/",
        information_requests.discard,
        name="information-request-discard",
    ),
    path("tokens/", token_views.tokens, name="tokens"),
    path("tokens/<int:pk>/revocar/", token_views.revoke_token, name="revoke-token"),
]
