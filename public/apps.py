from django.apps import AppConfig


class PublicConfig(AppConfig):
    # An app (it has no models) so that Django finds the `tracker` template tags, which every
    # page loads through base.html.
    name = "public"
