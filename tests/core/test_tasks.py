import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from jiuzhu.core import tasks
from jiuzhu.core.errors import DomainError
from jiuzhu.core.models import Task

pytestmark = pytest.mark.django_db


@tasks.task("test.square")
def square(params, report):
    report(50)
    if params["n"] < 0:
        raise DomainError("不能为负数。")
    return {"square": params["n"] ** 2}


def test_inline_task_runs_and_stores_its_result(county_admin):
    done = tasks.enqueue(county_admin, "test.square", {"n": 7})
    assert (done.status, done.progress, done.result) == ("done", 100, {"square": 49})
    assert tasks.task_for(county_admin, done.pk, "test.square") == done


def test_a_domain_error_fails_the_task_with_its_message(county_admin):
    failed = tasks.enqueue(county_admin, "test.square", {"n": -1})
    assert failed.status == "failed" and failed.error == "不能为负数。"


def test_a_task_runs_once_and_only_its_owner_sees_it(county_admin, dong_e_assistant, settings):
    settings.JIUZHU_TASKS_INLINE = False
    queued = Task.objects.create(kind="test.square", params={"n": 3}, created_by=county_admin)
    call_command("run_task", queued.pk)
    call_command("run_task", queued.pk)  # already claimed: nothing happens
    queued.refresh_from_db()
    assert queued.result == {"square": 9}
    assert tasks.task_for(dong_e_assistant, queued.pk, "test.square") is None


def test_unknown_kind_is_refused(county_admin):
    with pytest.raises(DomainError):
        tasks.enqueue(county_admin, "nope", {})
    assert not Task.objects.exists()


def test_every_task_kind_is_registered_once_django_is_set_up():
    """A fresh process (the web server, `jiuzhu run_task`) knows every kind a page enqueues,
    whatever module happened to be imported before."""
    probe = (
        "import django; django.setup(); from jiuzhu.core import tasks; "
        "print(' '.join(sorted(tasks._RUNNERS)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == [
        "cases.reprice",
        "dashboard.refresh",
        "medical.import",
        "outreach.warnings",
        "oversight.evaluation_tally",
        "oversight.risk_scan",
        "oversight.staff_alerts",
        "payments.prepare",
        "policy.simulate",
        "portal.signed_papers",
        "registry.duplicates",
    ]
