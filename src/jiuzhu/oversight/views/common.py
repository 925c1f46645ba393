"""What the oversight pages share: names of towns, posted numbers, evidence files."""

import io

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest

from jiuzhu.core.models import Region, RegionLevel, User
from jiuzhu.core.permissions import staff
from jiuzhu.oversight import evidence
from jiuzhu.oversight.evidence import Target

PAGE_SIZE = 50


def town_names() -> dict[str, str]:
    """Every town's name by its code."""
    return dict(Region.objects.filter(level=RegionLevel.TOWN).values_list("code", "name"))


def whole_number(value: str | None) -> int:
    """A posted number, 0 when it is none."""
    try:
        return int(value or 0)
    except ValueError:
        return 0


def evidence_added(request: HttpRequest, user: User, target: Target) -> str:
    """The step that adds evidence files to a complaint, alert or record."""
    stored = evidence.add(user, target, request.FILES.getlist("files"))
    return f"已上传{len(stored)}个证据材料。"


@login_required
def evidence_file(request: HttpRequest, evidence_id: int) -> FileResponse:
    """An evidence file, to whoever may open what it is evidence of; the read is logged."""
    user = staff(request)
    found = evidence.read(user, evidence_id, request)
    if found is None:
        raise Http404
    item, content = found
    response = FileResponse(io.BytesIO(content), content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
