"""`jiuzhu serve`: the platform on a production-grade WSGI server (waitress), static files
served by the platform itself (no CDN: government intranets have no internet)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from waitress import serve


class Command(BaseCommand):
    help = "Serve the platform over HTTP (waitress)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        application = get_internal_wsgi_application()  # settings.WSGI_APPLICATION
        self.stdout.write(f"救助平台已启动: http://{options['host']}:{options['port']}/")
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            # Waitress trusts no proxy by default and drops X-Forwarded-For/-Proto, so behind
            # a reverse proxy every client looked alike (one throttle for all) and HTTPS was
            # not seen. The platform decides whom to trust: JIUZHU_TRUSTED_PROXIES and
            # JIUZHU_BEHIND_PROXY (core/auth.py client_address, settings).
            clear_untrusted_proxy_headers=False,
        )
