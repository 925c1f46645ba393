"""Persons: read and change, move to another household, leave the household."""

import dataclasses

from drf_spectacular.utils import OpenApiResponse
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import PERSON_ID, RegistryView, operation, reads, staff, writes
from jiuzhu.core.errors import DomainError
from jiuzhu.registry import selectors, services
from jiuzhu.registry.inputs import member_input_of

TAG = "人员"


class PersonDetailView(RegistryView):
    @operation(
        "persons_retrieve",
        TAG,
        "人员信息",
        reads(s.PersonDetailSerializer),
        description="现所在户在您管辖范围内的人员。每次读取都记入访问日志。",
        parameters=[PERSON_ID],
    )
    def get(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        response = self.person_detail(user, person)
        self.log_read(user, "person", person.pk, response.data["household_id"])
        return response

    @operation(
        "persons_partial_update",
        TAG,
        "修改成员信息",
        writes(200, s.PersonDetailSerializer),
        description="只修改给出的字段。身份证号不能修改（登记有误请移出后重新登记）。",
        parameters=[PERSON_ID],
        request=s.MemberUpdateSerializer,
    )
    def patch(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        data = self.parse(s.MemberUpdateSerializer, partial=True)
        membership = person.memberships.get(end_date__isnull=True)
        current = member_input_of(person, membership)
        services.update_member(user, person, dataclasses.replace(current, **data))
        return self.person_detail(user, person)


class PersonMoveView(RegistryView):
    @operation(
        "persons_move",
        TAG,
        "迁入另一户",
        writes(200, s.PersonDetailSerializer),
        description="结束现有成员关系并加入目标户（目标户须在管辖范围内），历史保留。",
        parameters=[PERSON_ID],
        request=s.MoveSerializer,
    )
    def post(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        data = self.parse(s.MoveSerializer)
        target = selectors.household_for(user, data["to_household"])
        if target is None:
            raise DomainError("在您的管辖范围内找不到目标户。", field="to_household")
        services.move_member(user, person, target, data["relation"], data["reason"])
        return self.person_detail(user, person)


class PersonLeaveView(RegistryView):
    @operation(
        "persons_leave",
        TAG,
        "离开本户",
        writes(204, OpenApiResponse(description="已办理离开")),
        description="死亡、嫁出、迁出本县等；成员关系结束，历史保留。户主须最后离开。",
        parameters=[PERSON_ID],
        request=s.LeaveSerializer,
    )
    def post(self, request: Request, person_id: int) -> Response:
        user = staff(request)
        person = self.person(user, person_id)
        data = self.parse(s.LeaveSerializer)
        services.end_membership(user, person, data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)
