"""`jiuzhu serve`: the platform on a production-grade WSGI server, static files served by
the platform itself (WhiteNoise in the middleware; no CDN: government intranets have no
internet).

On Linux (any platform with fork) gunicorn runs `--workers` single-threaded processes
(sync workers, the default): pages are CPU-bound Python, a process computes one page at a
time without sharing an interpreter lock, and a worker takes a connection from the shared
listening socket only when it is free, so the next request goes to whichever worker is
idle. Twice the cores plus one keeps a core busy while another worker waits on the
database. `--threads N` (N > 1) runs threaded gthread workers instead. Elsewhere (Windows)
waitress serves from one process with `--threads` threads. docs/deploy.md argues the
choice with the 150-user load test.
"""

import os
from typing import Any

from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandParser
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import connections


def default_workers() -> int:
    """Twice the cores the process may run on, plus one (see the module)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1) + 1


class Command(BaseCommand):
    help = "Serve the platform over HTTP (gunicorn workers; waitress where there is no fork)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=default_workers())
        # gunicorn: 1 (the default) runs sync workers, more threaded ones; waitress: 4.
        parser.add_argument("--threads", type=int, default=None)
        # One line per request (process id, status, duration) to this file, "-" for the
        # console; none by default (the platform's own access log records file reads).
        parser.add_argument("--request-log", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        # Imported here: it loads models, and this module is imported before Django is set up
        # (for default_workers, by the load benchmark).
        from jiuzhu.core.warmup import warm_up

        application = get_internal_wsgi_application()  # settings.WSGI_APPLICATION
        warm_up()
        # No connection opened by start-up may be shared by the forked workers.
        connections.close_all()
        address = f"http://{options['host']}:{options['port']}/"
        if hasattr(os, "fork"):
            self.stdout.write(f"救助平台已启动: {address}（{options['workers']} 个进程）")
            _serve_gunicorn(application, options)
        else:
            self.stdout.write(f"救助平台已启动: {address}")
            _serve_waitress(application, options)


def _serve_gunicorn(application: WSGIHandler, options: dict[str, Any]) -> None:
    # Imported here: gunicorn imports fcntl, which Windows lacks.
    from gunicorn.app.base import BaseApplication

    settings = {
        "bind": f"{options['host']}:{options['port']}",
        "workers": options["workers"],
        "threads": options["threads"] or 1,
        # A sync worker accepts a connection only when it is free (see the module).
        "worker_class": "gthread" if (options["threads"] or 1) > 1 else "sync",
        # Django is loaded once in the master and the workers share its pages of memory.
        "preload_app": True,
        # A page slower than this is a bug; the worker is replaced rather than left hung.
        "timeout": 120,
        "graceful_timeout": 30,
        # Threaded workers keep idle keep-alive connections in the poller, not in a thread;
        # longer than a proxy's or a client's idle reuse (nginx keeps upstream connections
        # 60 s): a server closing first races the next request on that connection (a reset,
        # not a retry).
        "keepalive": 75,
        "accesslog": options["request_log"],
        "access_log_format": '%(p)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms',
        # The proxy's X-Forwarded-* headers reach Django untouched: the platform decides
        # whom to trust (JIUZHU_TRUSTED_PROXIES, JIUZHU_BEHIND_PROXY; core/auth.py).
        "forwarded_allow_ips": "127.0.0.1",
    }

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIHandler:
            return application

    Server().run()


def _serve_waitress(application: WSGIHandler, options: dict[str, Any]) -> None:
    from waitress import serve

    serve(
        application,
        host=options["host"],
        port=options["port"],
        threads=options["threads"] or 4,
        # Waitress trusts no proxy by default and drops X-Forwarded-For/-Proto, so behind
        # a reverse proxy every client looked alike (one throttle for all) and HTTPS was
        # not seen. The platform decides whom to trust: JIUZHU_TRUSTED_PROXIES and
        # JIUZHU_BEHIND_PROXY (core/auth.py client_address, settings).
        clear_untrusted_proxy_headers=False,
    )
