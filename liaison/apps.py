from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectConfig(AppConfig):
    """The project layer as an app, for its management commands (seed_demo, create_user).

    It composes the domain apps and may import all of them; nothing imports it.
    """

    name = "liaison"
    label = "project"
    verbose_name = _("Liaison system")

    def ready(self) -> None:
        from . import checks  # registers the project's system checks

        del checks
