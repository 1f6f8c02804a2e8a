from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data and its loader (`seed_demo`): above the domain, which never imports it."""

    name = "demo"
    verbose_name = "Demo"
