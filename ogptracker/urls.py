from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Spanish pages live at the root, English ones under /en/, so every link names its language.
urlpatterns += i18n_patterns(
    path("", include("commitments.urls")),
    path("", include("alerts.urls")),
    prefix_default_language=False,
)
