from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConcernsConfig(AppConfig):
    name = "liaison.concerns"
    label = "concerns"
    verbose_name = _("Concerns")

    def ready(self) -> None:
        from . import access

        del access  # imported for its registrations
        # Each part registers its menu entries, panels and home widgets:
        from . import statistics_pages

        statistics_pages.register()
