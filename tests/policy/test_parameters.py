import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from jiuzhu.core.errors import DomainError
from jiuzhu.policy import parameter_files
from jiuzhu.policy.models import Parameter
from jiuzhu.policy.parameter_files import definitions, group_names, load_parameters
from jiuzhu.policy.parameters import SPECS, ParameterSet, value_at

REPOSITORY = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db
D = dt.date


def test_value_in_force_on_a_date():
    assert value_at("dibao.standard.urban", D(2019, 4, 1)) == Decimal("685.00")
    assert value_at("dibao.standard.urban", D(2020, 3, 31)) == Decimal("685.00")
    # The day the new standard takes effect.
    assert value_at("dibao.standard.urban", D(2020, 4, 1)) == Decimal("740.00")
    assert value_at("dibao.standard.rural", D(2019, 6, 1)) == Decimal("456.67")


def test_no_value_in_force_is_a_chinese_error():
    with pytest.raises(DomainError, match="没有生效的参数"):
        value_at("dibao.standard.urban", D(2019, 3, 31))
    with pytest.raises(DomainError, match="没有生效的参数"):
        ParameterSet.load(D(2010, 1, 1))["dibao.standard.rural"]


def test_constraints_and_deadlines_are_dated():
    assert value_at("constraint.urban_rural_max_ratio", D(2020, 6, 1)) == Decimal("1.4")
    assert value_at("constraint.urban_rural_max_ratio", D(2021, 9, 29)) == Decimal("1.4")
    assert value_at("constraint.urban_rural_max_ratio", D(2021, 9, 30)) == Decimal("1.3")
    assert value_at("constraint.urban_rural_max_ratio", D(2024, 12, 31)) == Decimal("1")
    assert value_at("procedure.decision_working_days", D(2026, 1, 5)) == 15
    assert value_at("procedure.advance_aid_hours", D(2026, 1, 5)) == 24
    assert value_at("procedure.notice_days", D(2026, 1, 5)) == 7


def test_defaults_say_so():
    for key in ("dibao.minimum_share", "asset.financial_months", "elderly.subsidy"):
        row = Parameter.objects.filter(key=key).latest("effective_from")
        assert "默认值，待县里确认" in row.source


def test_parameter_set_records_what_was_read():
    ps = ParameterSet.load(D(2026, 12, 1))
    assert ps.fen("dibao.standard.rural") == 88400
    assert set(ps.used) == {"dibao.standard.rural"}
    assert ps.used["dibao.standard.rural"].effective_from == D(2024, 1, 1)


def test_every_shipped_parameter_is_described():
    """The parameters page lists and types keys through SPECS: none may be missing from it."""
    assert set(Parameter.objects.values_list("key", flat=True)) <= set(SPECS)
    assert value_at("funds.allocation.weight.recipients", D(2026, 1, 1)) == Decimal("0.6")
    assert value_at("payments.arrears_max_months", D(2026, 1, 1)) == 12


def test_the_data_files_are_what_the_database_holds_after_migrate():
    """Every dated value of every file is a row, with the spec's unit, and nothing else is."""
    shipped = {
        (key, dated.effective_from): (dated.value, definition.spec.unit, dated.source, dated.note)
        for key, definition in definitions().items()
        for dated in definition.values
    }
    stored = {
        (row.key, row.effective_from): (row.value, row.unit, row.source, row.note)
        for row in Parameter.objects.all()
    }
    assert stored == shipped
    # 79 + 16 of 09-outreach + 12 of 09-oversight + 6 of 09-medical + 25 standards 2021–2025
    assert len(stored) == 152
    assert stored[("dibao.standard.rural", D(2019, 4, 1))] == (
        "456.67",
        "元/人·月",
        "济南市2019年城乡低保、特困人员救助供养标准（2019-04-01起）",
        "5480元/年折算为月",
    )
    assert stored[("dibao.phase_out_taper", D(2020, 1, 1))][0] == [100] * 12


def test_each_key_cites_a_policy_page_that_exists():
    for key, definition in definitions().items():
        page, _, anchor = definition.docs.partition("#")
        assert page.startswith("docs/policy/"), key
        text = (REPOSITORY / page).read_text(encoding="utf-8")
        assert not anchor or f"{{#{anchor}}}" in text or anchor == "sources", key


def test_specs_come_from_the_files_in_file_order():
    assert list(SPECS) == list(definitions())
    assert group_names()[0] == "01-standards"
    assert SPECS["dibao.standard.urban"] == parameter_files.Spec(
        "城市低保标准", "money", "元/人·月", standard=True
    )
    assert SPECS["procedure.notice_days"].unit == "天"


def test_loading_again_adds_nothing_and_keeps_what_the_county_entered():
    row = Parameter.objects.get(key="dibao.standard.urban", effective_from=D(2020, 4, 1))
    row.value, row.source = "800.00", "县里改过"
    row.save()
    assert load_parameters(Parameter) == 0
    out = io.StringIO()
    call_command("load_parameters", stdout=out)
    assert out.getvalue() == "新增参数取值 0 条；已有的取值保持不变。\n"
    row.refresh_from_db()
    assert (row.value, row.source) == ("800.00", "县里改过")
    assert Parameter.objects.count() == 152


def test_the_command_adds_what_is_missing_for_the_groups_named():
    Parameter.objects.filter(key__startswith="review.").delete()
    Parameter.objects.filter(key="minimum_wage").delete()
    out = io.StringIO()
    call_command("load_parameters", "07-procedure", stdout=out)
    assert out.getvalue() == "新增参数取值 6 条；已有的取值保持不变。\n"
    assert not Parameter.objects.filter(key="minimum_wage").exists()
    assert value_at("review.interval_months.C.rural", D(2026, 1, 1)) == 6
    with pytest.raises(CommandError, match="参数文件有误：no parameter file named 99-nothing"):
        call_command("load_parameters", "99-nothing")


def test_a_bad_file_is_refused_naming_the_file_and_key(tmp_path, monkeypatch):
    (tmp_path / "01-bad.toml").write_text(
        '[[parameter]]\nkey = "x.y"\nlabel = "某参数"\nkind = "money"\n'
        'docs = "docs/policy/dibao.md"\n'
        '[[parameter.values]]\nfrom = 2020-01-01\nvalue = 12\nsource = "某文件"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(parameter_files, "DATA_DIR", tmp_path)
    definitions.cache_clear()
    try:
        refusal = re.escape("01-bad.toml, x.y: 12 is not a money value")
        with pytest.raises(ValueError, match=refusal):
            definitions()
    finally:
        definitions.cache_clear()
