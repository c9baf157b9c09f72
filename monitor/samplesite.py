"""Serve the bundled sample site (samples/site/) on loopback, its times relative to start-up."""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import logging
import re
import threading
from datetime import datetime, timedelta
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from monitor.clock import BEIJING, utcnow
from monitor.resources import folder

ROOT = folder("sample_site")
DEFAULT_FORMAT = "%Y-%m-%d %H:%M"
SEARCH_PATH = "/weibo/api/container/getIndex"
DETAIL_PREFIX = "/weibo/detail/"
EXTEND_PATH = "/weibo/statuses/extend"
HOTFLOW_PATH = "/weibo/comments/hotflow"
# What m.weibo.cn answers for a page past the last result.
EMPTY_SEARCH = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}
# A post of the sample without a comment thread file: no hot comments to show.
NO_COMMENTS = {"ok": 1, "data": {"data": [], "total_number": 0, "max_id": 0, "max_id_type": 0}}

# {{ago:3h}}, {{ago:1d2h|%Y年%m月%d日 %H:%M}}: base time minus the span, in Beijing time.
_AGO = re.compile(r"\{\{ago:((?:\d+[dhms])+)(?:\|([^}]*))?\}\}")
_SPAN = re.compile(r"(\d+)([dhms])")
_UNIT = {"d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
# A page that declares a GB charset is stored in it and served without a header charset,
# like the old portals that only say so in <meta>.
_GB_META = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*(gbk|gb2312|gb18030)", re.IGNORECASE)
_TYPES = {
    ".html": "text/html",
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".json": "application/json",
    ".txt": "text/plain",
}

log = logging.getLogger(__name__)


def render(text: str, base: datetime, origin: str) -> str:
    """Fill the placeholders: {{ago:SPAN|FORMAT}} and {{origin}} (http://host:port)."""

    def ago(m: re.Match[str]) -> str:
        span = timedelta(**{_UNIT[u]: int(n) for n, u in _SPAN.findall(m.group(1))})
        return (base - span).astimezone(BEIJING).strftime(m.group(2) or DEFAULT_FORMAT)

    return _AGO.sub(ago, text).replace("{{origin}}", origin)


class SampleSite(ThreadingHTTPServer):
    """The HTTP server; `root` holds the files, `base` is the moment all times count back from."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], root: Path, base: datetime) -> None:
        super().__init__(address, _Handler)
        self.root = root.resolve()
        self.base = base
        self.served: list[str] = []  # request paths, in order (tests count fetches)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    root: Path | str = ROOT,
    base: datetime | None = None,
) -> tuple[SampleSite, threading.Thread]:
    """Start the site in a daemon thread; stop it with `server.shutdown()`. Port 0 picks one."""
    server = SampleSite((host, port), Path(root), base or utcnow())
    thread = threading.Thread(target=server.serve_forever, name="samplesite", daemon=True)
    thread.start()
    return server, thread


class _Handler(BaseHTTPRequestHandler):
    server: SampleSite
    server_version = "yuqing-samplesite/0.1"

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        log.debug("samplesite: " + format, *args)

    # ---- routing ------------------------------------------------------------------

    def _answer(self, with_body: bool) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        self.server.served.append(self.path)
        if path in (SEARCH_PATH, EXTEND_PATH, HOTFLOW_PATH):
            params = parse_qs(parts.query)
            if path == EXTEND_PATH:
                found = self._extend(params.get("id", [""])[0])
            elif path == HOTFLOW_PATH:
                found = self._hotflow(params)
            else:
                found = self._timeline(params) if "type" in params else self._search(params)
            body = json.dumps(found, ensure_ascii=False).encode("utf-8")
            return self._send(HTTPStatus.OK, "application/json; charset=utf-8", body, with_body)
        if path.startswith(DETAIL_PREFIX):
            page = self._weibo_detail(path.removeprefix(DETAIL_PREFIX))
            if page is not None:
                return self._send(HTTPStatus.OK, "text/html; charset=utf-8", page, with_body)
        elif (file := self._file(path)) is not None:
            return self._send_file(file, with_body)
        body = "<!DOCTYPE html><meta charset=utf-8><title>404</title><h1>404 页面不存在</h1>"
        self._send(HTTPStatus.NOT_FOUND, "text/html; charset=utf-8", body.encode(), with_body)

    def _file(self, path: str) -> Path | None:
        if path.endswith("/"):
            path += "index.html"
        candidate = (self.server.root / path.lstrip("/")).resolve()
        if not candidate.is_relative_to(self.server.root) or not candidate.is_file():
            return None
        return candidate

    def _send_file(self, file: Path, with_body: bool) -> None:
        data = file.read_bytes()
        ctype = _TYPES.get(file.suffix)
        if ctype is None:
            return self._send(HTTPStatus.OK, "application/octet-stream", data, with_body)
        head = data[:2048]
        if ctype == "text/html" and (m := _GB_META.search(head)):
            # Decode and re-encode as GBK; the placeholders are ASCII so bytes stay valid.
            encoding = m.group(1).decode().lower()
            text = self._render(data.decode("gb18030" if encoding == "gb18030" else "gbk"))
            return self._send(HTTPStatus.OK, ctype, text.encode("gbk"), with_body)
        text = self._render(data.decode("utf-8"))
        self._send(HTTPStatus.OK, f"{ctype}; charset=utf-8", text.encode("utf-8"), with_body)

    def _send(self, status: int, ctype: str, body: bytes, with_body: bool) -> None:
        # ETags like a real site's, so incremental crawling (conditional GET) shows here too
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        if status == HTTPStatus.OK and self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(status)
        if status == HTTPStatus.OK:
            self.send_header("ETag", etag)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _render(self, text: str) -> str:
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return render(text, self.server.base, f"http://{host}")

    # ---- the Weibo-style search API ----------------------------------------------

    def _search(self, params: dict[str, list[str]]) -> dict:
        """m.weibo.cn's getIndex: containerid=100103type=1&q=KEYWORD, page=N."""
        inner = parse_qs(params.get("containerid", [""])[0])
        keyword = inner.get("q", [""])[0]
        try:
            page = int(params.get("page", ["1"])[0])
        except ValueError:
            page = 1
        folder = self.server.root / "weibo" / "search"
        slugs = json.loads((folder / "keywords.json").read_text(encoding="utf-8"))
        slug = slugs.get(keyword)
        file = folder / f"{slug}-{page}.json"
        if not slug or keyword.startswith("_") or not file.is_file():
            return EMPTY_SEARCH
        return json.loads(self._render(file.read_text(encoding="utf-8")))

    def _timeline(self, params: dict[str, list[str]]) -> dict:
        """An account's timeline: type=uid&value=UID&containerid=107603UID, since_id=ID for
        the pages after the first (timeline/UID.json, then timeline/UID-SINCE_ID.json)."""
        uid = params.get("value", [""])[0]
        since = params.get("since_id", [""])[0]
        if not uid.isdigit() or not (since or "0").isdigit():
            return EMPTY_SEARCH
        name = f"{uid}-{since}.json" if since else f"{uid}.json"
        file = self.server.root / "weibo" / "timeline" / name
        if not file.is_file():
            return EMPTY_SEARCH
        return json.loads(self._render(file.read_text(encoding="utf-8")))

    def _extend(self, post_id: str) -> dict:
        """statuses/extend?id=ID: a long post's full text (extend/ID.json)."""
        file = self.server.root / "weibo" / "extend" / f"{post_id}.json"
        if not post_id.isdigit() or not file.is_file():
            return {"ok": 0, "msg": "该微博不存在或不是长微博"}
        return json.loads(self._render(file.read_text(encoding="utf-8")))

    def _hotflow(self, params: dict[str, list[str]]) -> dict:
        """comments/hotflow?id=ID&mid=MID&max_id_type=0: a post's hot comments, first page
        comments/ID.json, then comments/ID-MAX_ID.json by the max_id each page names."""
        post_id = params.get("id", [""])[0]
        max_id = params.get("max_id", ["0"])[0]
        if not post_id.isdigit() or not max_id.isdigit():
            return {"ok": 0, "msg": "参数错误"}
        name = f"{post_id}.json" if max_id == "0" else f"{post_id}-{max_id}.json"
        file = self.server.root / "weibo" / "comments" / name
        if not file.is_file():
            return NO_COMMENTS
        return json.loads(self._render(file.read_text(encoding="utf-8")))

    def _weibo_detail(self, post_id: str) -> bytes | None:
        """One post's page, with the post as m.weibo.cn embeds it ($render_data): where a
        long post's full text is read when statuses/extend fails, and where the console's
        links lead."""
        folder = self.server.root / "weibo"
        for file in sorted([*folder.glob("search/*-*.json"), *folder.glob("timeline/*.json")]):
            data = json.loads(self._render(file.read_text(encoding="utf-8")))
            for mblog in _mblogs(data.get("data", {}).get("cards", [])):
                for blog in (mblog, mblog.get("retweeted_status") or {}):
                    if str(blog.get("id")) == post_id:
                        extended = self._extend(post_id)
                        full = (extended.get("data") or {}).get("longTextContent")
                        return _detail_page({**blog, "text": full} if full else blog)
        return None


def _mblogs(cards: list[dict]) -> list[dict]:
    found = []
    for card in cards:
        if card.get("mblog"):
            found.append(card["mblog"])
        found.extend(_mblogs(card.get("card_group") or []))
    return found


def _detail_page(blog: dict) -> bytes:
    user = (blog.get("user") or {}).get("screen_name", "")
    original = blog.get("retweeted_status")
    quoted = ""
    if original:
        quoted = (
            f'<blockquote><a href="{DETAIL_PREFIX}{html.escape(str(original["id"]))}">'
            f"@{html.escape(original['user']['screen_name'])}</a>：{original['text']}</blockquote>"
        )
    page = (
        f"<!DOCTYPE html><html lang=zh-CN><head><meta charset=utf-8>"
        f"<title>{html.escape(user)}的微博</title></head><body>"
        f'<div class="weibo-og"><h2>{html.escape(user)}</h2>'
        f'<p class="time">{html.escape(blog.get("created_at", ""))} 来自 '
        f"{html.escape(blog.get('source', ''))}</p>"
        f'<div class="weibo-text">{blog.get("text", "")}</div>{quoted}'
        f"<p>转发 {blog.get('reposts_count', 0)}　评论 {blog.get('comments_count', 0)}"
        f"　赞 {blog.get('attitudes_count', 0)}</p></div>"
        f"<script>var $render_data = [{_script_json({'status': blog, 'call': '1'})}][0] || {{}};"
        "</script></body></html>"
    )
    return page.encode("utf-8")


def _script_json(value: object) -> str:
    """JSON safe inside <script>: no '</script>' or '<!--' can end or change the block."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.samplesite", description="在本机运行 yuqing 自带的样例站点。"
    )
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8765, help="端口（默认 8765；0 表示任选）")
    parser.add_argument("--root", default=str(ROOT), help="站点文件目录")
    args = parser.parse_args(argv)
    server = SampleSite((args.host, args.port), Path(args.root), utcnow())
    print(f"样例站点已启动：{server.url}/ （按 Ctrl+C 停止）", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("样例站点已停止。")
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
