"""Routing hand-written citizen messages with the starter city configuration
(config/examples/city): one department each, the title's weight, ambiguous matters to the
office, generic words weighing less, and what the agency's own record adds."""

from __future__ import annotations

import pytest

from monitor.cases.explain import Router
from monitor.config import load_config
from tests.helpers.configs import REPO
from workflow.route_memory import Reassignment, RoutingMemory

CITY = REPO / "config" / "examples" / "city"
SETTINGS = load_config(CITY, environ={}).settings
ROUTER = Router(SETTINGS)

# (expected department, title, body): messages as citizens write them to a 留言板
MESSAGES = [
    (
        "hrss",
        "公司拖欠工资半年不发",
        "我在高新区一家电子厂上班，老板从今年三月起就没发过工资，去讨要也没人理。",
    ),
    ("hrss", "灵活就业人员养老保险怎么补缴", "我之前断缴了两年，现在想补上，请问要带什么材料？"),
    ("hrss", "劳动仲裁立案太慢", "单位违法解除劳动合同，我申请仲裁一个月了还没有立案。"),
    ("housing", "小区物业不作为", "电梯坏了两个月没人修，物业费照收，业委会也联系不上。"),
    ("housing", "开发商延期交房一年", "我们买的商品房合同约定去年交房，至今没有交房也没有说法。"),
    ("housing", "老旧小区加装电梯申请", "我们楼有八户老人，想申请加装电梯，政府有补贴吗？"),
    ("education", "孩子上学划片不合理", "我家就在学校对面，却被划到三公里外的小学，入学太不方便。"),
    ("education", "民办幼儿园老师待遇太低", "幼儿园老师一个月只有两千多，希望提高教师待遇。"),
    ("education", "某中学暑假有偿补课", "学校老师组织学生暑假到校补课，每人收费两千元。"),
    ("health", "县医院急诊推诿病人", "老人半夜送到医院急诊，等了两个小时没有医生接诊。"),
    ("health", "办理出生医学证明遇到困难", "孩子在外地出生，回来补办出生医学证明被要求各种材料。"),
    ("transport", "公交车末班车太早", "12路公交末班车晚上七点就停运，下夜班的人根本坐不上。"),
    ("transport", "出租车司机拒载绕路", "昨晚在火车站打出租车，司机先是拒载，后来又故意绕路。"),
    ("transport", "驾校收费后不安排练车", "报名驾校交了五千元，三个月了一次车都没练上。"),
    ("commerce", "景区门票乱涨价", "本地景区门票从60元涨到120元，游客意见很大。"),
    ("commerce", "健身房预付卡老板跑路", "办了三千元的会员卡，店铺突然关门，老板跑路了。"),
    ("commerce", "农贸市场环境差摊位乱", "菜市场里面摊位乱摆，地面全是污水，希望整顿市场。"),
    ("environment", "化工厂夜间偷排废气", "每晚十点以后，园区化工厂排放刺鼻废气，居民不敢开窗。"),
    ("environment", "河道出现大量死鱼", "城东河道漂满死鱼，水质发黑发臭，怀疑工厂直排污水。"),
]


@pytest.mark.parametrize(("expected", "title", "body"), MESSAGES)
def test_a_citizen_message_goes_to_the_department_that_owns_it(expected, title, body) -> None:
    r, _, _ = ROUTER.route(body, title, kind="board")
    assert r.lead == expected, r.reasons
    assert r.score > 0 and r.why.startswith(ROUTER.names[expected])


def test_the_title_carries_a_message_whose_body_says_nothing_of_its_matter() -> None:
    body = "这个问题已经反映很多次了，一直没有人处理，希望领导重视，尽快解决。"
    r, _, _ = ROUTER.route(body, "", kind="board")
    assert r.lead == "office" and r.why == "未匹配到主管部门，转办公室统筹"
    r, _, _ = ROUTER.route(body, "小区物业费乱收费", kind="board")
    assert r.lead == "housing"
    assert "标题含“物业费、小区”" in r.why  # 物业 is inside 物业费: counted once


def test_two_departments_close_in_score_go_to_the_office_which_coordinates() -> None:
    # the market is 商务's, the sewage and the smell 生态环境's
    r, _, _ = ROUTER.route("菜市场里污水横流，臭味很大。", "菜市场污水横流臭味熏天", kind="board")
    assert r.lead == "office"
    assert set(r.co) == {"commerce", "environment"}
    assert "得分相近" in r.why and "由办公室统筹会商" in r.why


def test_a_longer_word_counts_once_not_with_the_words_inside_it() -> None:
    r, _, _ = ROUTER.route("楼下工地夜间施工，噪音扰民。", "", kind="board")
    assert r.lead == "environment"
    assert "关键词“噪音扰民、夜间施工”" in r.why  # not also 噪音, 扰民, 施工


def test_a_message_about_nothing_anyone_owns_goes_to_the_office() -> None:
    r, _, _ = ROUTER.route("今天天气不错，祝大家周末愉快。", "周末愉快", kind="board")
    assert r.lead == "office" and r.co == ()


def test_a_word_several_departments_list_weighs_less_than_one_of_its_own() -> None:
    # 道路 is listed by 住建 (市政) and 交通 (公路); 公交站 by 交通 alone
    shared, _, _ = ROUTER.route("请尽快处理。", "门口道路问题", kind="board")
    own, _, _ = ROUTER.route("请尽快处理。", "门口公交站问题", kind="board")
    assert shared.lead == "office"  # neither department owns 道路 alone
    assert own.lead == "transport"


def test_two_words_of_the_body_route_a_citizen_message_but_not_a_news_report() -> None:
    text = "近日有市民反映，社保卡补办和养老金查询都要排队很久。"
    assert ROUTER.route(text, "", kind="board")[0].lead == "hrss"
    assert ROUTER.route(text, "", kind="news")[0].lead == "office"


def test_one_word_of_the_title_outweighs_several_stray_words_of_the_body() -> None:
    body = "路口车流大，大巴和货车经常抢道，希望交警划线。"
    r, _, _ = ROUTER.route(body, "请求交警大队施划双黄线")
    assert r.lead == "public-security", r.reasons


def test_the_agencys_record_makes_a_common_word_weigh_less() -> None:
    # in this agency nearly every message mentions 小区: it no longer names the matter
    history = [f"第{i}号小区门口有问题" for i in range(500)] + ["公交站牌被撞坏"] * 10
    memory = RoutingMemory(history)
    assert memory.keyword_factor("小区") == 0.5
    assert memory.keyword_factor("公交站") == 1.0  # in 2% of the record: a typical word
    assert memory.keyword_factor("物业") > 1.2  # never seen: rare, so specific
    assert RoutingMemory(history[:400]).keyword_factor("小区") == 1.0  # too little record


def test_a_reassignment_pulls_similar_messages_to_its_department() -> None:
    title, body = "夜市摊贩油烟扰民", "滨江路夜市每天营业到凌晨两点，油烟和噪音扰民。"
    before, _, _ = ROUTER.route(body, title, kind="board")
    assert before.lead == "environment"
    moved = Reassignment(f"{title}\n{body}", "commerce", "environment", event_id=7)
    router = Router(SETTINGS, RoutingMemory([], [moved]))
    text = "滨江路夜市摊贩油烟噪音扰民，天天到凌晨。"
    after, _, _ = router.route(text, "滨江路夜市扰民", kind="board")
    assert after.lead == "commerce", after.reasons
    assert "与曾改派至此的事件 #7 相近" in after.why
    unrelated, _, _ = router.route("化工厂夜间偷排废气。", "化工厂偷排", kind="board")
    assert unrelated.lead == "environment"
