"""The registry's choices as API fields, shared by the registry API and the calculator API."""

from typing import Any

from drf_spectacular.utils import extend_schema_field

from jiuzhu.core.rest.fields import Choice
from jiuzhu.registry.models import HukouType


@extend_schema_field(
    {"type": "string", "enum": list(HukouType.values), "description": "urban 城镇，rural 农村"}
)
class AreaType(Choice):
    """城乡类别: the same choices as 户口性质, documented inline so that the schema has one
    enum component for them, not two names for one set."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=HukouType.choices, **kwargs)
