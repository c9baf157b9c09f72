"""The crawl bench's Weibo pair: a loopback m.weibo.cn crawled with comments off, then on."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.crawling.runs import Run, count, prepare, run, yuqing
from bench.crawling.site import WORDS, Site, json_body, response

COMMENT_PAGES, PAGE_COMMENTS = 5, 20  # 100 comments a post: comments.max's default


def weibo_answers(posts: int) -> dict[tuple[str, ...], bytes]:
    """m.weibo.cn's answers for `posts` posts: search pages of ten, the long posts' full
    texts, every post's hotflow pages (each names the next page's max_id, the last 0)."""
    rng = random.Random(11)
    answers: dict[tuple[str, ...], bytes] = {}

    def said(n: int) -> str:
        return "".join(rng.choice(WORDS) for _ in range(n))

    pages = (posts + 9) // 10
    for page in range(1, pages + 1):
        cards = []
        for i in range((page - 1) * 10, min(page * 10, posts)):
            pid = str(5200000000000000 + i)
            text = "，".join(said(12) for _ in range(12)) + "。"
            long = i % 5 == 0
            shown = f'{text[:140]} ...<a href="/status/{pid}">全文</a>' if long else text[:140]
            blog = {
                "id": pid,
                "mid": pid,
                "created_at": f"{i % 50 + 1}分钟前",
                "text": shown,
                "isLongText": long,
                "user": {"id": 6200000000 + i, "screen_name": f"网友{i}"},
                "reposts_count": 10,
                "comments_count": 500,
                "attitudes_count": 100,
            }
            cards.append({"card_type": 9, "mblog": blog})
            if long:
                answers[("extend", pid)] = json_body({"ok": 1, "data": {"longTextContent": text}})
            for c in range(COMMENT_PAGES):
                comments = [
                    {
                        "idstr": f"{pid}{c:02d}{k:02d}",
                        "created_at": "Sat Nov 21 10:00:00 +0800 2026",
                        "text": said(rng.randint(6, 16)),
                        "user": {"screen_name": f"评论者{c}{k}"},
                        "like_count": rng.randint(0, 999),
                    }
                    for k in range(PAGE_COMMENTS)
                ]
                following = 9000 + c + 1 if c < COMMENT_PAGES - 1 else 0
                data = {"data": comments, "max_id": following, "max_id_type": 0}
                answers[("hotflow", pid, str(9000 + c) if c else "0")] = json_body(
                    {"ok": 1, "data": data}
                )
        answers[("search", str(page))] = json_body({"ok": 1, "data": {"cards": cards}})
    return answers


def weibo_route(answers: dict[tuple[str, ...], bytes]) -> Callable[[bytes], bytes | None]:
    responses = {key: response(200, body) for key, body in answers.items()}

    def route(path: bytes) -> bytes | None:
        parts = urlsplit(path.decode("latin-1"))
        query = parse_qs(parts.query)
        post = query.get("id", [""])[0]
        if parts.path == "/api/container/getIndex":
            return responses.get(("search", query.get("page", ["1"])[0]))
        if parts.path == "/statuses/extend":
            return responses.get(("extend", post))
        if parts.path == "/comments/hotflow":
            return responses.get(("hotflow", post, query.get("max_id", ["0"])[0]))
        return None

    return route


def weibo_runs(tmp: Path, posts: int, rounds: int) -> None:
    """The Weibo source crawled with comments off, then on, `rounds` times interleaved."""
    answers = weibo_answers(posts)
    site = Site({}, weibo_route(answers))
    base = f"http://127.0.0.1:{site.port}"
    long = sum(1 for key in answers if key[0] == "extend")
    pages = (posts + 9) // 10
    print(
        f"weibo: {posts} posts on {pages} search pages, {long} of them long (statuses/extend), "
        f"each with 500 comments; comments on: {COMMENT_PAGES * PAGE_COMMENTS} a post "
        f"over {COMMENT_PAGES} hotflow pages; politeness off"
    )
    results: dict[bool, list[tuple[Run, int, int]]] = {False: [], True: []}
    for r in range(rounds):
        for on in (False, True):
            source = {
                "name": "bench-weibo",
                "title": "基准微博",
                "kind": "weibo",
                "url": base + "/api/container/getIndex?containerid=100103type%3D1%26q%3D"
                "{keyword}&page_type=searchall&page={page}",
                "keywords": ["云川"],
                "max_pages": pages,
                "comments": {"enabled": on},
            }
            name = f"weibo-{'on' if on else 'off'}{r}"
            config, env = prepare(tmp, base, name, source=source)
            done = run(
                [yuqing(config, "crawl", "bench-weibo", "--no-analyse", "--quiet")], env, tmp / name
            )
            results[on].append((done, count(env), count(env, "mention_comments")))
    site.close()
    print(
        f"{'run':<24}{'seconds':>8}{'requests':>9}{'posts':>6}{'comments':>9}"
        f"{'ms/post':>9}{'CPU ms/post':>12}{'site CPU':>9}{'peak RSS MB':>12}  every round (s)"
    )
    best = {}
    for on, runs in results.items():
        r, kept, comments = min(runs, key=lambda x: x[0].secs)
        best[on] = (r, kept)
        requests = pages + long + (posts * COMMENT_PAGES if on else 0)
        rounds = " ".join(f"{x.secs:.1f}" for x, _, _ in runs)
        print(
            f"{'comments on' if on else 'comments off':<24}{r.secs:>8.1f}{requests:>9}{kept:>6}"
            f"{comments:>9}{1000 * r.secs / kept:>9.1f}{1000 * r.cpu / kept:>12.1f}"
            f"{r.server_cpu:>9.1f}{r.rss_mb:>12}  {rounds}"
        )
    (off, n_off), (on_, n_on) = best[False], best[True]
    print(
        f"per post, comments on / off: {(on_.secs / n_on) / (off.secs / n_off):.2f}x wall time, "
        f"{(on_.cpu / n_on) / (off.cpu / n_off):.2f}x crawler CPU "
        f"({1000 * (on_.secs / n_on - off.secs / n_off):.1f} ms and "
        f"{1000 * (on_.cpu / n_on - off.cpu / n_off):.1f} CPU ms more a post, for "
        f"{COMMENT_PAGES} more requests and {COMMENT_PAGES * PAGE_COMMENTS} comments stored)"
    )
