"""Receive the mailbox's (民情邮箱) mail by SMTP from the county's mail server (aiosmtpd).

The mail server hands mail for the mailbox address to this port (a transport map, e.g.
Postfix `transport_maps`: `mlmq@example.cn smtp:[127.0.0.1]:8025`). Runs until SIGTERM or
SIGINT (or --run-seconds, for tests and checks).
"""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Receive mail for the concerns' mailbox by SMTP and turn it into concerns."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, required=True, help="TCP port to listen on")
        parser.add_argument("--host", default="127.0.0.1", help="address (default 127.0.0.1)")
        parser.add_argument(
            "--run-seconds",
            type=float,
            default=None,
            help="stop after this many seconds (default: run until stopped)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from liaison.concerns.mailbox import MAX_MESSAGE_BYTES, MailboxController, MailboxHandler

        if not 0 < options["port"] < 65536:
            raise CommandError(_("Give a port from 1 to 65535."))
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_args: stop.set())
        handler = MailboxHandler()
        controller = MailboxController(handler, host=options["host"], port=options["port"])
        try:
            controller.start()
        except Exception as exc:
            handler.close()
            raise CommandError(
                _("Cannot listen on %(host)s:%(port)d: %(error)s")
                % {"host": options["host"], "port": options["port"], "error": exc}
            ) from exc
        self.stdout.write(
            _("Receiving concern mail on %(host)s:%(port)d (messages up to %(mb)d MB).")
            % {"host": options["host"], "port": options["port"], "mb": MAX_MESSAGE_BYTES >> 20},
        )
        self.stdout.flush()
        try:
            stop.wait(options["run_seconds"])
        finally:
            controller.stop()
            handler.close()
        self.stdout.write(_("Stopped."))
