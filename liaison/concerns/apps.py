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
        from liaison.common.registry import Eraser, register_eraser

        from . import channels, home, pages, services, statistics_pages

        pages.register()
        channels.register()
        statistics_pages.register()
        home.register()
        register_eraser(
            Eraser(
                "concern-reporters",
                _("Concerns' reporters and held mail erased"),
                services.reporters_erase,
            )
        )
