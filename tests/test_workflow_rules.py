"""States and routing: the pure rules of the response workflow."""

from __future__ import annotations

import pytest

from monitor.cases import department_rules
from monitor.config import load_config
from tests.helpers.configs import CONFIG
from workflow.routing import DepartmentRule, route
from workflow.states import STATES, TRANSITIONS, check_transition

ALL_PAIRS = [(a, b) for a in STATES for b in STATES if a != b]


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_transition_is_allowed_or_refused_by_the_table(current, target) -> None:
    refusal = check_transition(current, target)
    if target in TRANSITIONS[current]:
        assert refusal is None
    else:
        assert refusal is not None
        for allowed in TRANSITIONS[current]:
            assert allowed in refusal.message  # the refusal names what is allowed


def test_unknown_state_is_refused() -> None:
    refusal = check_transition("collected", "published")
    assert refusal is not None and "published" in refusal.message


SETTINGS = load_config(CONFIG, environ={}).settings
DEPTS = department_rules(SETTINGS)


def test_routes_to_the_owner_with_co_departments() -> None:
    r = route("青峰山景区停车场乱收费，游客投诉", ["景区收费"], ["image"], DEPTS, "office")
    assert r.lead == "culture-tourism"
    assert "market-regulation" in r.co
    assert any("景区收费" in x for x in r.reasons)


def test_emergency_goes_to_emergency_management() -> None:
    r = route(
        "暴雨致隧道积水，车辆被困",
        ["城市内涝"],
        ["emergency"],
        DEPTS,
        "office",
        labels={"emergency": "突发事件"},
    )
    assert r.lead == "emergency"
    assert "类别“突发事件”" in r.reasons[0]


def test_a_miss_goes_to_the_office_never_nowhere() -> None:
    r = route("今天天气不错", [], [], DEPTS, "office")
    assert r.lead == "office"
    assert r.reasons == ("未匹配到主管部门，转办公室统筹",)


def test_especially_major_names_the_principal_leader() -> None:
    r = route(
        "暴雨 内涝 被困",
        ["城市内涝"],
        ["emergency"],
        DEPTS,
        "office",
        grade="I",
        principal_leader="市长 张明",
    )
    assert r.owner == "市长 张明"
    assert route("暴雨 内涝", ["城市内涝"], [], DEPTS, "office", grade="II").owner is None


def test_several_regions_go_to_the_higher_level_department() -> None:
    depts = [
        DepartmentRule("city-housing", "市住建局", level="city"),
        DepartmentRule(
            "qf-housing",
            "青峰区住建局",
            level="district",
            parent="city-housing",
            keywords=("排水",),
            regions=("青峰区", "临江区"),
        ),
    ]
    one = route("青峰区排水管网破损", [], [], depts, "office")
    assert one.lead == "qf-housing"
    two = route("青峰区和临江区排水管网同时破损", [], [], depts, "office")
    assert two.lead == "city-housing"
    assert any("上级" in x for x in two.reasons)
