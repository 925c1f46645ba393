"""What a server loads once before its workers fork, so that no visitor's first page waits
for it: without it each worker's first page took 0.45 s more (the URL patterns import every
view's module), its first search 0.9 s more (pypinyin's dictionaries) and its first case
list 90 ms more (the year's official calendar, the templates compiled). The forked workers
share what the server loaded here."""

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path

from django.template import TemplateSyntaxError, engines
from django.urls import reverse

from jiuzhu.core.workdays import Calendar

logger = logging.getLogger(__name__)

_steps: list[Callable[[], object]] = []


def register(step: Callable[[], object]) -> None:
    """An app's own loading (in its AppConfig.ready: core cannot import the apps)."""
    if step not in _steps:
        _steps.append(step)


def warm_up() -> None:
    reverse("home")  # the URL patterns, with every view's module, and their reverse lookups
    today = dt.date.today()
    empty = Calendar(overrides={})  # no database: the workers must not share a connection
    for year in (today.year, today.year + 1):
        empty.is_working_day(dt.date(year, 1, 1))
    compiled = _compile_templates()
    for step in _steps:
        step()
    logger.info("warmed up: %d templates compiled, %d app steps", compiled, len(_steps))


def _compile_templates() -> int:
    """Every template of every engine into its cached loader."""
    compiled = 0
    for engine in engines.all():
        for directory in engine.template_dirs:
            for path in sorted(Path(directory).rglob("*.html")):
                name = path.relative_to(directory).as_posix()
                try:
                    engine.get_template(name)
                except TemplateSyntaxError:  # shown when the page is asked for; not here
                    logger.warning("template %s does not compile", name)
                    continue
                compiled += 1
    return compiled
