"""Console forms as a browser sees them: find a <form> on a page by its action, and post it
with its own hidden fields (the CSRF token among them) plus what the user types."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._open = {"action": a.get("action", ""), "hidden": {}, "buttons": []}
            self.forms.append(self._open)
        elif self._open is not None and tag == "input" and a.get("type") == "hidden":
            self._open["hidden"][a.get("name", "")] = a.get("value", "")
        elif self._open is not None and tag == "button":
            self._open["buttons"].append((a.get("name"), a.get("value")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms(html: str) -> list[dict[str, Any]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def actions(html: str) -> set[str]:
    """The action of every form on the page."""
    return {f["action"] for f in forms(html)}


def find(html: str, action: str) -> dict[str, Any]:
    found = [f for f in forms(html) if f["action"] == action]
    assert found, f"no form posting to {action} on the page; forms: {sorted(actions(html))}"
    return found[0]


def submit(client: Any, page_url: str, action: str, data: dict[str, Any] | None = None) -> Any:
    """Open `page_url`, fill the form posting to `action` and send it (redirects followed)."""
    page = client.get(page_url)
    assert page.status_code == 200, page.text
    form = find(page.text, action)
    body = {**form["hidden"], **(data or {})}
    return client.post(action, data=body)


def post_anyway(client: Any, page_url: str, action: str, data: dict[str, Any]) -> Any:
    """Post to `action` though the page offers no such form (as a hand-made request would),
    with the session's CSRF token taken from another form on the page."""
    page = client.get(page_url)
    hidden = next((f["hidden"] for f in forms(page.text) if "csrf_token" in f["hidden"]), {})
    return client.post(action, data={**hidden, **data})


def signed_in(app: Any, db: Any, user_id: int, now: Any, days: int = 30) -> Any:
    """A TestClient with a console session for the user, as the login form would open it
    (long-lived, so a test may move its clock on by days)."""
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from monitor.accounts.sessions import open_session
    from monitor.web.auth import COOKIE

    with db.session() as s:
        sid, _ = open_session(s, user_id, now, timedelta(days=days), timedelta(days=days))
    client = TestClient(app)
    client.cookies.set(COOKIE, sid)
    return client
