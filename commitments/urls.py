from django.urls import path

from . import panel_views, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("estados/<slug:slug>/", views.state_detail, name="state"),
    path("compromisos/<str:ogp_id>/", views.commitment_detail, name="commitment"),
    path("evidencia/<int:pk>/archivo/", panel_views.download_evidence, name="evidence-file"),
]
