"""The extract imported by a background task (run inline in tests): the page stores the
file and follows the task's progress; a refused file writes nothing and names its lines;
a resumed task does not import twice; who may not import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jiuzhu.core import tasks
from jiuzhu.core.models import Task
from jiuzhu.medical import jobs
from jiuzhu.medical.models import Bill
from tests.conftest import client_for
from tests.medical.test_bulk import extract, row

pytestmark = pytest.mark.django_db


def upload(content, name="extract.csv"):
    return {"file": SimpleUploadedFile(name, content)}


def test_the_page_queues_the_task_and_shows_its_result(pay_staff, patient):
    assistant = client_for(pay_staff["assistant"])
    content = extract(row(patient.id_number, "10000"), row(patient.id_number, "100.02"))
    queued = assistant.post(reverse("medical:bill_import"), upload(content))
    task = Task.objects.get(kind=jobs.TASK_KIND)
    assert queued.url == f"{reverse('medical:bill_import')}?task={task.pk}"
    assert (task.status, task.progress) == ("done", 100)
    assert task.result == {"bills": 2, "total_fen": 757_502}
    page = assistant.get(queued.url).content.decode()
    assert "已导入 2 张票据，救助合计 7,575.02 元，待审批。" in page
    assert sorted(Bill.objects.values_list("amount_fen", flat=True)) == [7_502, 750_000]
    assert not list(jobs.uploads_dir().iterdir())  # the file has served
    # Someone else cannot follow the task.
    other = client_for(pay_staff["other_assistant"]).get(queued.url).content.decode()
    assert "已导入" not in other


def test_a_refused_file_writes_nothing_and_names_its_lines(pay_staff, patient):
    assistant = client_for(pay_staff["assistant"])
    bad = f"{patient.id_number},县医院,2026-03-01,2026-03-10,17000,6000,1000,9000,0,否,\n"
    content = extract(row(patient.id_number, "10000"), bad)
    page = assistant.post(reverse("medical:bill_import"), upload(content), follow=True)
    assert (
        "未导入：第3行：各项费用之和 16,000.00 元与总费用 17,000.00 元不符"
        "（总费用 = 基本医保 + 大病保险 + 政策内自付 + 政策外自费）。未导入任何票据。"
    ) in page.content.decode()
    assert not Bill.objects.exists()
    wrong = assistant.post(reverse("medical:bill_import"), upload(b"x", "bills.pdf"), follow=True)
    assert "请上传 CSV 或 xlsx 格式的文件。" in wrong.content.decode()
    assert Task.objects.count() == 1 and not Bill.objects.exists()


def test_a_running_import_shows_its_percentage(pay_staff):
    user = pay_staff["assistant"]
    running = Task.objects.create(
        kind=jobs.TASK_KIND, params={}, status=Task.Status.RUNNING, progress=46, created_by=user
    )
    url = f"{reverse('medical:bill_import')}?task={running.pk}&partial=1"
    partial = client_for(user).get(url).content.decode()
    assert "正在导入…… 46%" in partial and 'hx-trigger="every 1s"' in partial


def test_a_resumed_task_imports_once(pay_staff, patient, settings):
    settings.JIUZHU_TASKS_INLINE = False
    user = pay_staff["assistant"]
    queued = jobs.queue_import(user, "x.csv", [extract(row(patient.id_number, "10000"))])
    # Its worker died before it started: the supervisor's run imports from the stored file.
    Task.objects.filter(pk=queued.pk).update(status=Task.Status.INTERRUPTED, attempts=1)
    tasks.run(queued.pk)
    queued.refresh_from_db()
    assert (queued.status, queued.result) == ("done", {"bills": 1, "total_fen": 750_000})
    # Its worker died after the commit, before the task was marked done: run again, the
    # task finds its result committed with the bills and writes nothing more.
    Task.objects.filter(pk=queued.pk).update(status=Task.Status.INTERRUPTED)
    tasks.run(queued.pk)
    queued.refresh_from_db()
    assert (queued.status, queued.result) == ("done", {"bills": 1, "total_fen": 750_000})
    assert Bill.objects.count() == 1


def test_who_may_not_import(pay_staff, patient):
    content = extract(row(patient.id_number, "10000"))
    for role in ("approver", "auditor", "coordinator"):
        response = client_for(pay_staff[role]).post(reverse("medical:bill_import"), upload(content))
        assert response.status_code == 404
        with pytest.raises(PermissionError, match="无权生成发放名册、银行文件与回盘"):
            jobs.queue_import(pay_staff[role], "x.csv", [content])
    assert not Task.objects.exists() and not Bill.objects.exists()
