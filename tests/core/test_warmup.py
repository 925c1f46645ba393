from pathlib import Path

from django.template import engines

from jiuzhu.core import warmup
from jiuzhu.registry.names import initials


def _cached_templates() -> set[str]:
    engine = engines["django"].engine
    [cached] = engine.template_loaders  # django.template.loaders.cached.Loader
    # A name asked for and not found is cached too, with its exception's class.
    return {
        name
        for name, template in cached.get_template_cache.items()
        if not isinstance(template, type)
    }


def test_the_server_compiles_every_template_and_runs_every_apps_step_before_it_forks(
    monkeypatch,
):
    engine = engines["django"]
    every = {
        path.relative_to(directory).as_posix()
        for directory in engine.template_dirs
        for path in Path(directory).rglob("*.html")
    }
    ran: list[str] = []
    monkeypatch.setattr(warmup, "_steps", [*warmup._steps])
    step = lambda: ran.append("step")  # noqa: E731
    warmup.register(step)
    warmup.register(step)  # registered twice, run once
    initials.cache_clear()
    warmup.warm_up()
    assert every and every <= _cached_templates()
    assert {"cases/list.html", "registry/detail.html", "base.html"} <= every
    assert ran == ["step"]
    assert initials.cache_info().currsize == 1  # the registry's: pypinyin read once
