"""`yuqing route` from the command line on the starter city configuration: the config
passes check-config, one text with its title, and a CSV file routed row by row, a
malformed row named in its place while the others are routed."""

from __future__ import annotations

import json
import os

import pytest

from tests.helpers.cli import Setup
from tests.helpers.configs import REPO

CITY = REPO / "config" / "examples" / "city"


@pytest.fixture
def city(tmp_path) -> Setup:  # noqa: ANN001
    env = dict(os.environ) | {"DATABASE_URL": f"sqlite:///{tmp_path}/yuqing.db"}
    return Setup(CITY, env, 0)


def test_the_starter_city_config_passes_check_config(city) -> None:  # noqa: ANN001
    out = city.ok("check-config").stdout
    assert "配置有效" in out and "部门 10 个" in out


def test_one_text_with_its_title(city) -> None:  # noqa: ANN001
    out = city.ok("route", "多次反映无人处理", "--title", "小区物业费乱收费", "--kind", "board")
    assert "主办部门：市住房和城乡建设局（housing）" in out.stdout
    assert "标题含“物业费、小区”" in out.stdout
    assert "数据库尚未初始化：仅按配置规则路由" in out.stdout
    done = city.run("route")
    assert done.returncode == 2 and "二者选一" in done.stderr


CSV = """title,text
公司拖欠工资,老板三个月没发工资了
,"12路公交末班车太早，七点就停运"
坏行,多了一个字段,这里
小区物业不作为,电梯坏了两个月没人修
空行,
"""


def test_every_row_is_routed_and_a_malformed_row_is_named(city, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "messages.csv"
    path.write_text(CSV, encoding="utf-8")
    done = city.run("route", "--csv", str(path))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["row"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r.get("department") for r in rows] == ["hrss", "transport", None, "housing", None]
    assert rows[0]["score"] > 0 and rows[0]["why"].startswith("市人力资源和社会保障局：")
    assert "（来源：留言板）" in rows[0]["why"]  # a CSV of messages is taken as 留言 by default
    assert rows[2]["error"] == "第 3 行（文件第 4 行）：有 3 个字段，列名行有 2 个"
    assert rows[4]["error"] == "第 5 行（文件第 6 行）：text 为空"
    assert "数据库尚未初始化" in done.stderr


def test_a_gbk_file_from_excel_is_read(city, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "gbk.csv"
    path.write_bytes("text,kind\n化工厂夜间偷排废气,news\n".encode("gbk"))
    rows = [json.loads(x) for x in city.ok("route", "--csv", str(path)).stdout.splitlines()]
    assert rows == [rows[0]] and rows[0]["department"] == "environment"
    assert "留言板" not in rows[0]["why"]  # the row's own kind: a news report


def test_a_file_without_the_text_column_says_so(city, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "wrong.csv"
    path.write_text("标题,内容\n公司拖欠工资,老板没发工资\n", encoding="utf-8")
    done = city.run("route", "--csv", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"错误：CSV 文件 {path} 缺少 text 列（现有列：标题、内容）。"
    missing = city.run("route", "--csv", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "无法读取 CSV 文件" in missing.stderr
