"""The parameter history the platform ships with.

Known figures carry their source; values NATIONAL.md marks [default] say
"默认值，待县里确认" and are meant to be replaced on the standards page (a new dated row,
never an edit). Yearly figures are converted to monthly ones (÷ 12, to the fen).
"""

from django.db import migrations

DEFAULT = "默认值，待县里确认"
JINAN_2019 = "济南市2019年城乡低保、特困人员救助供养标准（2019-04-01起）"
JINAN_2020 = "济南市2020年城乡低保、特困人员救助供养标准（2020-04-01起）"
COUNTY_2020 = "平阴县关于统筹完善社会救助体系的实施意见（2020）"
DIBAO_MEASURES = "社会救助暂行办法（2014）、最低生活保障审核确认办法（民政部，2021）"
TEKUN_MEASURES = "国务院关于进一步健全特困人员救助供养制度的意见（2016）、特困人员认定办法（2021）"
SINCE = "2014-01-01"  # procedural rules of the Interim Measures (社会救助暂行办法, 2014)

ROWS = [
    # key, effective_from, value, source, note
    ("dibao.standard.urban", "2019-04-01", "685.00", JINAN_2019, ""),
    ("dibao.standard.urban", "2020-04-01", "740.00", JINAN_2020, ""),
    ("dibao.standard.rural", "2019-04-01", "456.67", JINAN_2019, "5480元/年折算为月"),
    (
        "dibao.standard.rural",
        "2020-04-01",
        "494.00",
        JINAN_2020,
        "济南市规定农村不低于494元/月；740:494 超过2020年1.4:1的比例要求，"
        "本县农村标准应不低于529元，待县里确认",
    ),
    ("tekun.basic.urban", "2019-04-01", "1027.50", JINAN_2019, "12330元/年折算为月"),
    ("tekun.basic.urban", "2020-04-01", "1110.00", JINAN_2020, ""),
    ("tekun.basic.rural", "2019-04-01", "593.67", JINAN_2019, "7124元/年折算为月"),
    ("tekun.basic.rural", "2020-04-01", "643.00", JINAN_2020, "济南市规定不低于643元/月"),
    ("tekun.care.self_care", "2019-04-01", "191.00", JINAN_2019, "2292元/年折算为月"),
    ("tekun.care.semi_dependent", "2019-04-01", "318.33", JINAN_2019, "3820元/年折算为月"),
    ("tekun.care.dependent", "2019-04-01", "636.67", JINAN_2019, "7640元/年折算为月"),
    ("tekun.care.self_care", "2020-04-01", "210.00", JINAN_2020, ""),
    ("tekun.care.semi_dependent", "2020-04-01", "350.00", JINAN_2020, ""),
    ("tekun.care.dependent", "2020-04-01", "700.00", JINAN_2020, ""),
    (
        "minimum_wage",
        "2017-06-01",
        "1640.00",
        "山东省最低工资标准（2017-06-01起，平阴县为第二档）",
        "此后各年调整待录入",
    ),
    (
        "consumption.per_capita.urban",
        "2020-01-01",
        "26731.00",
        DEFAULT,
        "山东省2019年城镇居民人均消费支出（统计公报），本县采用口径待确认",
    ),
    (
        "consumption.per_capita.rural",
        "2020-01-01",
        "12309.00",
        DEFAULT,
        "山东省2019年农村居民人均消费支出（统计公报），本县采用口径待确认",
    ),
    (
        "dibao.standard_ratio.urban",
        "2020-01-01",
        "0.33",
        DEFAULT,
        "由2020年城市标准反推：740×12÷26731≈0.33",
    ),
    (
        "dibao.standard_ratio.rural",
        "2020-01-01",
        "0.52",
        DEFAULT,
        "按符合1.4:1要求的最低农村标准反推：529×12÷12309≈0.52",
    ),
    ("children.standard.institutional", "2020-01-01", "1800.00", DEFAULT, ""),
    ("children.standard.dispersed", "2020-01-01", "1400.00", DEFAULT, ""),
    ("children.max_age", "2020-01-01", 18, "孤儿、事实无人抚养儿童保障政策", ""),
    # Constraints on standards (POLICY.md §2)
    ("constraint.urban_rural_max_ratio", "2020-01-01", "1.4", COUNTY_2020, "2020年内不超过1.4:1"),
    ("constraint.urban_rural_max_ratio", "2021-09-30", "1.3", COUNTY_2020, "2021-09-30起1.3:1"),
    ("constraint.urban_rural_max_ratio", "2024-12-31", "1", COUNTY_2020, "2024-12-31起城乡一体"),
    ("constraint.tekun_basic_min_ratio", "2020-01-01", "1.5", COUNTY_2020, "全国为1.3倍，本县1.5倍"),
    ("constraint.care_share.self_care", "2020-01-01", "0.10", COUNTY_2020, ""),
    ("constraint.care_share.semi_dependent", "2020-01-01", "0.20", COUNTY_2020, ""),
    ("constraint.care_share.dependent", "2020-01-01", "0.35", COUNTY_2020, ""),
    # Means test
    ("income.averaging_months", "2019-01-01", 12, DEFAULT, "办法允许6或12个月"),
    (
        "income.not_counted",
        "2019-01-01",
        [
            "resident_basic_pension",
            "veterans_care",
            "family_planning_reward",
            "scholarship",
            "assistance",
        ],
        DIBAO_MEASURES,
        "优待抚恤金、计划生育奖励与扶助金、奖学金及见义勇为奖励、政府救助款物、城乡居民基础养老金",
    ),
    (
        "income.not_counted.registered_poor",
        "2020-01-01",
        ["filial_subsidy", "poverty_post", "poverty_dividend"],
        COUNTY_2020,
        "孝善扶贫补助、扶贫专岗收入、扶贫项目分红收入",
    ),
    ("income.work_cost_share", "2019-01-01", "0.20", DEFAULT, "工资性收入的20%"),
    ("income.work_cost_cap_share", "2019-01-01", "0.30", DEFAULT, "每名就业成员不超过标准的30%"),
    ("asset.vehicles_allowed", "2019-01-01", 0, DEFAULT, "残疾人代步车、摩托车、农用车除外"),
    ("asset.houses_allowed", "2019-01-01", 1, DEFAULT, "农村宅基地房屋不计"),
    ("asset.financial_months", "2019-01-01", 24, DEFAULT, "人均不超过24个月低保标准"),
    ("asset.business_capital_limit", "2019-01-01", "100000.00", DEFAULT, "注册资本或年经营额超过10万元不符合"),
    ("dibao.minimum_share", "2019-01-01", "0.10", DEFAULT, ""),
    ("dibao.topup_share", "2019-01-01", "0.10", DEFAULT, ""),
    ("dibao.topup_min_age", "2019-01-01", 60, DEFAULT, ""),
    ("dibao.topup_under_age", "2019-01-01", 18, DEFAULT, ""),
    ("dibao.severe_disability_grade", "2019-01-01", 2, DIBAO_MEASURES, "一、二级为重度残疾"),
    ("dibao.phase_out_months.registered_poor", "2020-01-01", 12, COUNTY_2020, ""),
    ("dibao.phase_out_months.other", "2019-01-01", 6, DEFAULT, ""),
    ("dibao.phase_out_taper", "2020-01-01", [100] * 12, DEFAULT, "渐退期内按原金额发放"),
    ("dibao.edge_ratio", "2019-01-01", "1.5", DIBAO_MEASURES, ""),
    # Tekun
    ("tekun.incapacity_min_age", "2019-01-01", 60, TEKUN_MEASURES, ""),
    ("tekun.incapacity_under_age", "2019-01-01", 16, TEKUN_MEASURES, ""),
    (
        "tekun.incapacity_disability",
        "2019-01-01",
        [["intellectual", 3], ["mental", 3], ["physical", 2], ["visual", 1], ["multiple", 2]],
        TEKUN_MEASURES,
        "智力、精神残疾一至三级，肢体残疾一、二级，视力残疾一级（多重残疾按一、二级，待省里确认）",
    ),
    ("tekun.semi_dependent_from", "2019-01-01", 1, TEKUN_MEASURES, "六项日常活动中1-3项不能"),
    ("tekun.dependent_from", "2019-01-01", 4, TEKUN_MEASURES, "六项日常活动中4项及以上不能"),
    # Temporary assistance
    ("temporary.town_limit_months", "2020-01-01", 3, DEFAULT, "每人不超过3个月低保标准"),
    ("temporary.county_limit_months", "2020-01-01", 12, DEFAULT, "每户不超过12个月低保标准"),
    ("temporary.small_quick_months", "2020-01-01", 1, "关于加强低收入人口动态监测做好分层分类社会救助工作的意见", ""),
    # Disability and elderly subsidies
    ("disability.living_subsidy", "2020-01-01", "90.00", DEFAULT, ""),
    ("disability.nursing_subsidy", "2020-01-01", "90.00", DEFAULT, ""),
    ("disability.nursing_max_grade", "2020-01-01", 2, "残疾人两项补贴制度", "一、二级重度残疾人"),
    ("elderly.subsidy", "2020-01-01", "100.00", DEFAULT, "低保家庭80周岁以上老年人"),
    ("elderly.min_age", "2020-01-01", 80, DEFAULT, ""),
    # Procedure
    ("procedure.decision_working_days", SINCE, 30, "社会救助暂行办法（国家时限30个工作日）", ""),
    ("procedure.decision_working_days", "2020-01-01", 15, COUNTY_2020, "由37个工作日压缩为15个"),
    ("procedure.notice_days", SINCE, 7, DIBAO_MEASURES, ""),
    ("procedure.advance_aid_hours", "2020-01-01", 24, COUNTY_2020, ""),
    ("procedure.advance_record_working_days", "2020-01-01", 5, DEFAULT, ""),
    ("procedure.refusal_notice_working_days", SINCE, 3, DIBAO_MEASURES, ""),
    ("procedure.investigation_start_working_days", SINCE, 3, DIBAO_MEASURES, ""),
    ("procedure.spot_check_share", "2020-01-01", "0.05", DEFAULT, "县级按5%抽查"),
    ("review.interval_months.A.urban", "2019-01-01", 12, DEFAULT, ""),
    ("review.interval_months.A.rural", "2019-01-01", 12, DEFAULT, ""),
    ("review.interval_months.B.urban", "2019-01-01", 12, DEFAULT, ""),
    ("review.interval_months.B.rural", "2019-01-01", 12, DEFAULT, ""),
    ("review.interval_months.C.urban", "2019-01-01", 3, DEFAULT, ""),
    ("review.interval_months.C.rural", "2019-01-01", 6, DEFAULT, ""),
]

def ship(apps, schema_editor):
    from jiuzhu.policy.parameters import SPECS

    Parameter = apps.get_model("policy", "Parameter")
    Parameter.objects.bulk_create(
        [
            Parameter(
                key=key,
                effective_from=day,
                value=value,
                unit=SPECS[key].unit,
                source=source,
                note=note,
            )
            for key, day, value, source, note in ROWS
        ],
        ignore_conflicts=True,
    )


def unship(apps, schema_editor):
    Parameter = apps.get_model("policy", "Parameter")
    for key, day, _value, _source, _note in ROWS:
        Parameter.objects.filter(key=key, effective_from=day, created_by=None).delete()


class Migration(migrations.Migration):
    dependencies = [("policy", "0001_initial")]

    operations = [migrations.RunPython(ship, unship)]
