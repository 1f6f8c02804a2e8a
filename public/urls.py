from django.urls import path

from . import sharing, views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("tarjeta.png", sharing.home_card, name="home_card"),
    path("buscar/", views.national_search, name="search"),
    path("semaforo/", views.semaforo, name="semaforo"),
    path("recien-vencidos/", views.recently_overdue, name="recently_overdue"),
    path("proximos-vencimientos/", views.upcoming_due, name="upcoming_due"),
    path("vencimientos.ics", views.calendar, name="calendar"),
    path("estados/<slug:slug>/vencimientos.ics", views.state_calendar, name="state_calendar"),
    path("como-medimos/", views.methodology, name="methodology"),
    path("correcciones/", views.corrections, name="corrections"),
    path("diseno/", views.design_system, name="design"),
    path("instituciones/", views.institutions, name="institutions"),
    path("instituciones/<slug:slug>/", views.institution_detail, name="institution"),
    path(
        "instituciones/<slug:slug>/tarjeta.png", sharing.institution_card, name="institution_card"
    ),
    path("estados/<slug:slug>/", views.state_detail, name="state"),
    path("estados/<slug:slug>/reporte/", views.state_report, name="state_report"),
    path("estados/<slug:slug>/tarjeta.png", sharing.state_card, name="state_card"),
    path("estados/<slug:slug>/widget/", sharing.state_widget, name="state_widget"),
    path("estados/<slug:slug>/reporte.pdf", views.state_report_pdf, name="state_report_pdf"),
    path("estados/<slug:slug>/kit-de-prensa.zip", views.press_kit, name="press_kit"),
    path(
        "estados/<slug:slug>/planes/<int:number>/grafica.svg",
        views.plan_chart_svg,
        name="plan_chart_svg",
    ),
    path(
        "estados/<slug:slug>/planes/<int:number>/grafica.png",
        views.plan_chart_png,
        name="plan_chart_png",
    ),
    path("compromisos/<str:ogp_id>/", views.commitment_detail, name="commitment"),
    path("compromisos/<str:ogp_id>/hitos/<int:number>/", views.milestone_link, name="milestone"),
    path("compromisos/<str:ogp_id>/tarjeta.png", sharing.commitment_card, name="commitment_card"),
    path("compromisos/<str:ogp_id>/widget/", sharing.commitment_widget, name="commitment_widget"),
    path("evidencia/<int:pk>/archivo/", views.download_evidence, name="evidence-file"),
    path("evidencia/<int:pk>/copia/", views.download_link_copy, name="evidence-copy"),
]
