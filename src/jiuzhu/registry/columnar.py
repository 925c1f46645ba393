"""The registry's tables as SQL for columnar jobs: the one place outside the ORM that
names them. Other apps compose these selects (as subqueries) and run them through
`jiuzhu.core.columnar`; each select lists its columns in the order documented."""

from jiuzhu.core.columnar import date_days, date_int


def heads_sql() -> str:
    """(household_id, person_id) of each household's current head."""
    return (
        "SELECT household_id, person_id FROM registry_membership "
        "WHERE relation = 'head' AND end_date IS NULL"
    )


def persons_sql() -> str:
    """(id, name, id_number) of every person; id_number sealed (core/crypto.py), to be
    copied as it is (a payroll's payee snapshot) or compared by the person's id_digest."""
    return "SELECT id, name, id_number FROM registry_person"


def households_sql() -> str:
    """(id, registered_poor, urban, town_code, registered_code) of every household;
    registered_poor and urban as 0/1, town_code the first nine digits (the town) of the place of
    registration."""
    return (
        "SELECT id, CASE WHEN registered_poor THEN 1 ELSE 0 END AS registered_poor, "
        "CASE WHEN area_type = 'urban' THEN 1 ELSE 0 END AS urban, "
        "CAST(substr(registered_code, 1, 9) AS BIGINT) AS town_code, "
        "registered_code FROM registry_household"
    )


def current_memberships_sql() -> str:
    """(household_id, person_id, co_resident, head, membership_id) of every current
    membership; flags as 0/1. The persons' own columns are `people_sql`'s: a columnar job
    joins the two by person id in memory, cheaper than the server's join."""
    return (
        "SELECT household_id, person_id, CASE WHEN co_resident THEN 1 ELSE 0 END AS co_resident, "
        "CASE WHEN relation = 'head' THEN 1 ELSE 0 END AS head, id AS membership_id "
        "FROM registry_membership WHERE end_date IS NULL"
    )


def people_sql() -> str:
    """(person_id, birth_days, disability_grade, disability_category, serious_illness,
    no_labour_capacity, urban_registration) of every person; flags as 0/1, birth as days
    since 1970-01-01 (core.columnar.date_days)."""
    return (
        f"SELECT id AS person_id, {date_days('birth_date')} AS birth_days, disability_grade, "
        "disability_category, CASE WHEN serious_illness THEN 1 ELSE 0 END AS serious_illness, "
        "CASE WHEN labour_capacity = 'none' THEN 1 ELSE 0 END AS no_labour_capacity, "
        "CASE WHEN hukou_type = 'urban' THEN 1 ELSE 0 END AS urban_registration "
        "FROM registry_person"
    )


def incomes_sql() -> str:
    """(household_id, person_id, category, monthly_amount) of every declared income;
    person_id is null for income of the household as a whole."""
    return "SELECT household_id, person_id, category, monthly_amount FROM registry_income"


def assets_sql() -> str:
    """(household_id, kind, quantity, value) of every declared asset."""
    return "SELECT household_id, kind, quantity, value FROM registry_asset"


def duplicate_scan_sql() -> str:
    """(person_id, household_id, birth_ymd, seq, region_code, name) of every current member:
    seq is the ID number's three sequence digits (the plain last four, less the check
    character), region_code the household's place of registration. Together with the birth
    date (the ID number's digits 7-14) the only digits not in plain are the first six."""
    return (
        f"SELECT p.id AS person_id, m.household_id, {date_int('p.birth_date')} AS birth_ymd, "
        "CAST(substr(p.id_suffix, 1, 3) AS INTEGER) AS seq, h.registered_code AS region_code, "
        "p.name FROM registry_membership m JOIN registry_person p ON p.id = m.person_id "
        "JOIN registry_household h ON h.id = m.household_id WHERE m.end_date IS NULL"
    )


def _latest_sql(table: str, person: str = "person_id") -> str:
    """The latest record (highest id) of each person in a care-facts table."""
    return f"SELECT MAX(id) AS id FROM {table} GROUP BY {person}"


def care_facts_sql() -> str:
    """(person_id, adl_unable, has_supporter, institutional, orphan, education_until) of
    every person with a care fact recorded (registry/care): the current self-care
    assessment's count of activities the person cannot do, an able legal supporter, care in
    an institution, an orphan or de facto unsupported child, and the date a child's recorded
    full-time education runs to (0 if none)."""
    people = (
        "SELECT person_id FROM registry_selfcareassessment UNION "
        "SELECT person_id FROM registry_carearrangement UNION "
        "SELECT person_id FROM registry_supportercapacity UNION "
        "SELECT child_id FROM registry_childhardship"
    )
    return (
        "SELECT x.person_id, COALESCE(s.unable_count, 0) AS adl_unable, "
        "CASE WHEN EXISTS (SELECT 1 FROM registry_supportercapacity c WHERE "
        "c.person_id = x.person_id AND c.able AND NOT c.superseded) THEN 1 ELSE 0 END "
        "AS has_supporter, CASE WHEN a.mode = 'institutional' THEN 1 ELSE 0 END "
        "AS institutional, CASE WHEN h.category IN ('orphan', 'de_facto') THEN 1 ELSE 0 END "
        f"AS orphan, {date_int('h.education_until')} AS education_until "
        f"FROM ({people}) x "
        "LEFT JOIN registry_selfcareassessment s ON s.person_id = x.person_id "
        f"AND s.id IN ({_latest_sql('registry_selfcareassessment')}) "
        "LEFT JOIN registry_carearrangement a ON a.person_id = x.person_id "
        f"AND a.id IN ({_latest_sql('registry_carearrangement')}) "
        "LEFT JOIN registry_childhardship h ON h.child_id = x.person_id "
        f"AND h.id IN ({_latest_sql('registry_childhardship', 'child_id')})"
    )


def payment_targets_sql() -> str:
    """(person_id, guardian_id, institution_id, institution_name, credit_code, bank,
    account_number, holder_name) of every person whose current care arrangement is in an
    institution or whose current hardship record names a guardian: where a child's or a
    tekun person's monthly support goes. Institution columns are null without one;
    credit_code and account_number sealed (core/crypto.py), copied as they are."""
    return (
        "SELECT x.person_id, h.guardian_id, i.id AS institution_id, i.name AS institution_name, "
        "i.credit_code, i.bank, i.account_number, i.holder_name FROM ("
        "SELECT person_id FROM registry_carearrangement WHERE mode = 'institutional' UNION "
        "SELECT child_id FROM registry_childhardship WHERE guardian_id IS NOT NULL) x "
        "LEFT JOIN registry_carearrangement a ON a.person_id = x.person_id "
        f"AND a.id IN ({_latest_sql('registry_carearrangement')}) "
        "LEFT JOIN registry_careinstitution i ON i.id = a.institution_id "
        "AND a.mode = 'institutional' "
        "LEFT JOIN registry_childhardship h ON h.child_id = x.person_id "
        f"AND h.id IN ({_latest_sql('registry_childhardship', 'child_id')})"
    )
