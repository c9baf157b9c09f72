"""`yuqing crawl` twice (incremental: nothing re-fetched or re-stored), `yuqing sources`
(health) and `yuqing extract` (checking a page before adding a site), as a user runs them."""

import json

import pytest

from monitor.samplesite import ROOT, serve
from tests.helpers.cli import prepare


@pytest.fixture(scope="module")
def site():
    server, thread = serve(port=0)
    yield server
    server.shutdown()
    thread.join(timeout=5)


def test_second_crawl_fetches_and_stores_nothing_new(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    setup.ok("init")
    first = setup.ok("crawl", "--all", "--no-analyse").stdout
    assert "gov-board：新入库 4 条" in first and "yunchuan-news：新入库 3 条" in first
    second = setup.ok("crawl", "--all", "--no-analyse").stdout
    for line in second.strip().splitlines():
        assert "新入库 0 条" in line, second
    # articles stored are not fetched again; feeds answer 304; answered messages skipped
    assert "yunchuan-news：新入库 0 条，重复 0 条，未变化跳过" in second
    assert "province-daily-rss：新入库 0 条，重复 0 条，未变化跳过 1 页" in second
    health = json.loads(setup.ok("sources", "--json").stdout)
    news = next(h for h in health if h["name"] == "yunchuan-news")
    assert news["status"] == "正常" and news["runs"] == 2 and news["items_total"] == 3
    assert news["error_rate"] == 0 and news["items_24h"] == 3


def test_failing_source_shows_in_health_with_its_reason(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    sources = setup.config / "sources.yaml"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace("/feeds/gov.atom", "/feeds/gone.atom"),
        encoding="utf-8",
    )
    setup.ok("init")
    done = setup.run("crawl", "yunchuan-gov-atom", "--no-analyse")
    assert done.returncode == 1 and "HTTP 404：页面不存在" in done.stderr
    listed = setup.ok("sources").stdout
    assert "yunchuan-gov-atom  云川市人民政府门户网站（feed）  [异常]" in listed
    assert "出错率 100%" in listed and "HTTP 404" in listed
    assert "gov-board  云川市政府留言板（board）  [未运行]" in listed


def test_extract_prints_what_the_news_extractor_gets(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    url = f"{site.url}/news/20261120/1123.html"
    got = json.loads(setup.ok("extract", url).stdout)
    assert got["title"] == "青峰山景区被指乱收费 市文旅局：已介入调查"
    assert got["encoding"] == "gb18030" and got["source"] == "云川新闻网"
    assert got["published"].endswith("+08:00") and "游客" in got["text"]
    from_file = json.loads(setup.ok("extract", str(ROOT / "gov/zwgk/0001.html")).stdout)
    assert from_file["title"] and from_file["text"]


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("/news/missing.html", "HTTP 404"),
        ("no/such/file.html", "不是 http(s) 网址，也不是存在的文件"),
    ],
)
def test_extract_failures_are_one_sentence(site, tmp_path, target, message):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    done = setup.run("extract", site.url + target if target.startswith("/") else target)
    assert done.returncode == 2 and message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("quiet", [False, True], ids=["crawl", "crawl --quiet"])
def test_a_refused_connection_is_one_line_not_a_traceback(tmp_path, quiet: bool):
    setup = prepare(tmp_path)  # nothing listens on the sample site's port
    setup.ok("init")
    url = f"{setup.sample_url}/feeds/gov.atom"

    args = ["crawl", "yunchuan-gov-atom", "--no-analyse", *(["--quiet"] if quiet else [])]
    done = setup.run(*args)

    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "scrapy" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    reason = f"连接被拒绝（站点未运行或端口不对）（{url}）"
    if quiet:  # the service's log line for the source
        assert lines[0].endswith(
            f"WARNING monitor.collection.crawl: 来源 yunchuan-gov-atom：{reason}"
        )
    else:
        assert lines[0] == f"yunchuan-gov-atom：错误：{reason}"
    health = json.loads(setup.ok("sources", "--json").stdout)
    atom = next(h for h in health if h["name"] == "yunchuan-gov-atom")
    assert atom["status"] == "异常" and atom["last_error"] == reason


def test_a_crawl_stopped_for_running_too_long_shows_in_health(tmp_path, monkeypatch):
    """The service stops a crawl that outlives its time; the killed child records nothing,
    so the service writes the reason into the source's health itself."""
    import socket
    import threading

    from monitor.collection.crawl import crawl_child

    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:  # connections are taken and never answered
        hang.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(hang.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        setup = prepare(tmp_path, sample_port=hang.getsockname()[1])
        setup.ok("init")
        monkeypatch.setenv("DATABASE_URL", setup.env["DATABASE_URL"])

        crawl_child(str(setup.config), "yunchuan-gov-atom", timeout=4)

        health = json.loads(setup.ok("sources", "--json").stdout)
        atom = next(h for h in health if h["name"] == "yunchuan-gov-atom")
        assert atom["status"] == "异常"
        assert atom["last_error"] == "采集超过 4 秒仍未结束，已停止"
        untouched = next(h for h in health if h["name"] == "province-daily-rss")
        assert untouched["last_error"] in (None, "")
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        hang.close()
