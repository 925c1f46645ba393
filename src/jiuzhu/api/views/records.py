"""A household's incomes and assets: add one, remove one.

Both kinds of record go the same way (parse, find the owner in scope, call the service;
or check the record is the household's, then remove it), so the bases below hold the
flow and each resource states only its serializers, its service and its OpenAPI text.
"""

from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.db.models import Model
from drf_spectacular.utils import OpenApiResponse, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from jiuzhu.api import serializers as s
from jiuzhu.api.views.base import (
    HOUSEHOLD_ID,
    NOT_FOUND,
    RegistryView,
    operation,
    path_id,
    record_owner,
    staff,
    writes,
)
from jiuzhu.registry import services

TAG = "收入与财产"
RecordsT = TypeVar("RecordsT", bound="RecordsView")
DetailT = TypeVar("DetailT", bound="RecordDetailView")


def _creates(operation_id: str, summary: str) -> Callable[[type[RecordsT]], type[RecordsT]]:
    """The OpenAPI description of a record's POST, from the view's serializers."""

    def describe(view: type[RecordsT]) -> type[RecordsT]:
        post = operation(
            operation_id,
            TAG,
            summary,
            writes(201, view.output_serializer),
            parameters=[HOUSEHOLD_ID],
            request=view.input_serializer,
        )
        return extend_schema_view(post=post)(view)

    return describe


def _deletes(
    operation_id: str, summary: str, id_label: str
) -> Callable[[type[DetailT]], type[DetailT]]:
    """The OpenAPI description of a record's DELETE, from the view's id in the URL."""

    def describe(view: type[DetailT]) -> type[DetailT]:
        delete = operation(
            operation_id,
            TAG,
            summary,
            writes(204, OpenApiResponse(description="已删除")),
            parameters=[HOUSEHOLD_ID, path_id(view.id_kwarg, id_label)],
        )
        return extend_schema_view(delete=delete)(view)

    return describe


class RecordsView(RegistryView):
    # POST /households/<id>/<records>/: add a record to a household in scope. (A comment,
    # not a docstring: drf-spectacular would publish a docstring as the description.)

    input_serializer: ClassVar[type[Serializer[Any]]]
    output_serializer: ClassVar[type[Serializer[Any]]]
    add: ClassVar[Callable[..., Model]]  # the service: (actor, household, person=, **fields)

    def post(self, request: Request, household_id: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        data = self.parse(self.input_serializer)
        owner = record_owner(user, data.pop("person", None))
        record = type(self).add(user, household, person=owner, **data)
        return Response(self.output_serializer(record).data, status=status.HTTP_201_CREATED)


class RecordDetailView(RegistryView):
    # DELETE /households/<id>/<records>/<record id>/: 404 unless the household's own.

    records: ClassVar[str]  # the household's related name
    id_kwarg: ClassVar[str]  # the record id's name in the URL
    remove: ClassVar[Callable[..., None]]  # the service: (actor, household, record id)

    def delete(self, request: Request, household_id: int, **ids: int) -> Response:
        user = staff(request)
        household = self.household(user, household_id)
        record_id = ids[self.id_kwarg]
        if not getattr(household, self.records).filter(pk=record_id).exists():
            raise NotFound(NOT_FOUND)
        type(self).remove(user, household, record_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


@_creates("households_incomes_create", "登记收入")
class HouseholdIncomesView(RecordsView):
    input_serializer = s.IncomeInputSerializer
    output_serializer = s.IncomeSerializer
    add = staticmethod(services.add_income)


@_deletes("households_incomes_destroy", "删除收入记录", "收入记录 id")
class HouseholdIncomeDetailView(RecordDetailView):
    records = "incomes"
    id_kwarg = "income_id"
    remove = staticmethod(services.remove_income)


@_creates("households_assets_create", "登记财产")
class HouseholdAssetsView(RecordsView):
    input_serializer = s.AssetInputSerializer
    output_serializer = s.AssetSerializer
    add = staticmethod(services.add_asset)


@_deletes("households_assets_destroy", "删除财产记录", "财产记录 id")
class HouseholdAssetDetailView(RecordDetailView):
    records = "assets"
    id_kwarg = "asset_id"
    remove = staticmethod(services.remove_asset)
