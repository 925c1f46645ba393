"""County administrators manage staff accounts; every member of staff changes their own
password."""

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from jiuzhu.core import staff as staff_service
from jiuzhu.core.forms import refusals_shown
from jiuzhu.core.models import Region, User
from jiuzhu.core.permissions import found_or_404, require_page, staff
from jiuzhu.core.roles import Capability, Role, two_factor_required
from jiuzhu.core.selectors import regions_in_scope


class RegionField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name}（{obj.code}）"


class StaffForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=40)
    name = forms.CharField(label="姓名", max_length=40)
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    region = RegionField(label="所属区划", queryset=Region.objects.none())
    department = forms.CharField(label="所属部门（部门数据员填写）", max_length=40, required=False)

    def __init__(self, actor: User, *args: object, editing: bool = False, **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        region_field = self.fields["region"]
        assert isinstance(region_field, forms.ModelChoiceField)
        region_field.queryset = regions_in_scope(actor).order_by("code")
        if editing:
            del self.fields["username"]

    def to_input(self, username: str = "") -> staff_service.StaffInput:
        data = self.cleaned_data
        return staff_service.StaffInput(
            username=data.get("username", username),
            name=data["name"],
            role=data["role"],
            region=data["region"],
            department=data["department"],
        )


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    """The accounts of the administrator's area, active first."""
    actor = require_page(request, Capability.MANAGE_STAFF)
    page = Paginator(staff_service.staff_in_scope(actor), 50).get_page(request.GET.get("page"))
    return render(request, "core/staff_list.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def staff_create(request: HttpRequest) -> HttpResponse:
    actor = require_page(request, Capability.MANAGE_STAFF)
    form = StaffForm(actor, request.POST or None)
    if form.is_valid():
        with refusals_shown(request, form):
            user, first_password = staff_service.create_staff(actor, form.to_input())
            return render(
                request,
                "core/staff_created.html",
                {
                    "member": user,
                    "password": first_password,
                    "two_factor": two_factor_required(user),
                },
            )
    return render(request, "core/staff_form.html", {"form": form, "member": None})


@login_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = require_page(request, Capability.MANAGE_STAFF)
    member = found_or_404(staff_service.staff_member(actor, user_id))
    initial = {
        "name": member.first_name,
        "role": member.role,
        "region": member.region_id,
        "department": member.department,
    }
    form = StaffForm(actor, request.POST or None, initial=initial, editing=True)
    if form.is_valid():
        with refusals_shown(request, form):
            staff_service.change_staff(actor, member, form.to_input(member.username))
            messages.success(request, f"已保存{member.first_name}的账户。")
            return redirect("core:staff")
    return render(request, "core/staff_form.html", {"form": form, "member": member})


@login_required
@require_POST
def staff_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate (offboarding) or reactivate an account."""
    actor = require_page(request, Capability.MANAGE_STAFF)
    member = found_or_404(staff_service.staff_member(actor, user_id))
    active = request.POST.get("active") == "1"
    with refusals_shown(request):
        staff_service.set_active(actor, member, active)
        done = "已恢复" if active else "已停用（登录、接口令牌与会话均已失效）"
        messages.success(request, f"{member.first_name}的账户{done}。")
    return redirect("core:staff")


@login_required
@require_POST
def staff_two_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset a colleague's two-factor sign-in (a lost phone); their sessions end."""
    actor = require_page(request, Capability.MANAGE_STAFF)
    member = found_or_404(staff_service.staff_member(actor, user_id))
    with refusals_shown(request):
        staff_service.reset_two_factor(actor, member)
        done = "身份验证器和恢复码已删除，已登录的会话已结束"
        messages.success(request, f"已重置{member.first_name}的两步验证：{done}。")
    return redirect("core:staff")


@login_required
@require_POST
def staff_password_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset a colleague's forgotten password; the new one is shown once."""
    actor = require_page(request, Capability.MANAGE_STAFF)
    member = found_or_404(staff_service.staff_member(actor, user_id))
    with refusals_shown(request):
        password = staff_service.reset_password(actor, member)
        return render(
            request,
            "core/staff_created.html",
            {"member": member, "password": password, "reset": True},
        )
    return redirect("core:staff")


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password (API tokens are revoked by core/tokens.py)."""
    user = staff(request)
    form = PasswordChangeForm(user, request.POST or None)
    if form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, "密码已修改；原有的接口令牌已作废。")
        return redirect("home")
    return render(request, "core/password_change.html", {"form": form})
