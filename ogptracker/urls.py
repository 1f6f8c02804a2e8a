from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from api.downloads import data_package, dcat_catalogue, open_data
from ops.views import healthz


def ping(request):
    """The cheapest page the stack can serve: a liveness probe, and the benchmarks' baseline."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("ping/", ping, name="ping"),
    path("healthz/", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
# Before api.urls, whose /datos/<name>.<format> would take these names for downloads.
urlpatterns += i18n_patterns(
    path("datos/datapackage.json", data_package, name="datapackage"),
    path("datos/<slug:state>/datapackage.json", data_package, name="state-datapackage"),
    path("datos/catalogo.jsonld", dcat_catalogue, name="dcat-catalogue"),
    prefix_default_language=False,
)
urlpatterns += [
    path("", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Spanish pages live at the root, English ones under /en/, so every link names its language.
urlpatterns += i18n_patterns(
    path("datos/", open_data, name="open-data"),
    path("", include("public.urls")),
    path("cuenta/", include("accounts.urls")),
    path("panel/", include("panel.urls")),
    path("", include("alerts.urls")),
    prefix_default_language=False,
)

handler404 = "api.errors.page_not_found"
