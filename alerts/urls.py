from django.urls import path

from . import feeds, views

app_name = "alerts"

urlpatterns = [
    path("seguir/estado/<slug:slug>/", views.follow_state, name="follow_state"),
    path("seguir/compromiso/<str:ogp_id>/", views.follow_commitment, name="follow_commitment"),
    path("seguir/confirmar/<str:token>/", views.confirm, name="confirm"),
    path("avisos/baja/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("avisos/suscripciones/<str:token>/", views.subscriptions, name="subscriptions"),
    path("estados/<slug:slug>/feed/", feeds.StateFeed(), name="state_feed"),
    path("recien-vencidos/feed/", feeds.RecentlyOverdueFeed(), name="recently_overdue_feed"),
    path(
        "estados/<slug:slug>/recien-vencidos/feed/",
        feeds.RecentlyOverdueFeed(),
        name="state_recently_overdue_feed",
    ),
    path("compromisos/<str:ogp_id>/feed/", feeds.CommitmentFeed(), name="commitment_feed"),
]
