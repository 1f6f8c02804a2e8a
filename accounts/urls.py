from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import views

app_name = "accounts"

# Django's own authentication views (sign-in and the reset within budgets: accounts.views), with
# Spanish slugs and templates under registration/.
urlpatterns = [
    path("entrar/", views.SignInView.as_view(), name="login"),
    path("salir/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "contrasena/olvide/",
        views.PasswordResetView.as_view(
            success_url=reverse_lazy("accounts:password_reset_done"),
            email_template_name="registration/password_reset_email.txt",
        ),
        name="password_reset",
    ),
    path(
        "contrasena/enviado/",
        auth_views.PasswordResetDoneView.as_view(
            extra_context={"minutes": settings.BUDGETS["reset.address"][1] // 60}
        ),
        name="password_reset_done",
    ),
    path(
        "contrasena/nueva/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(
            success_url=reverse_lazy("accounts:password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "contrasena/lista/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("invitacion/<str:token>/", views.accept_invitation, name="invitation"),
    path("preferencias/", views.preferences, name="preferences"),
]
