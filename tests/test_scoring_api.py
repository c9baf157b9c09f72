"""POST /api/mentions/{id}/sentiment: an officer's correction, role-checked, then learnt."""

from __future__ import annotations

from sqlalchemy import select

from monitor.accounts.users import ROLES
from monitor.scoring.labels import training_labels
from monitor.storage.models import Mention
from monitor.storage.scoring import SentimentLabel

PATH = "/api/mentions/{mention_id}/sentiment"
ROUTE_PATHS = {PATH}
LABELLERS = {"duty_officer", "office", "leader", "admin"}

# after ROUTE_PATHS: test_web imports it back to check every route has a role check
from tests.helpers.console import bearer  # noqa: E402 - the shared seeded console (`web` fixture: conftest)


def test_officers_label_a_mention_and_others_may_not(web) -> None:  # noqa: ANN001, F811
    with web.db.session() as s:
        mention_id = s.scalar(select(Mention.id).limit(1))
    url = PATH.format(mention_id=mention_id)
    assert web.client.post(url, json={"label": "negative"}).status_code == 401
    for role in ROLES:
        r = web.client.post(url, json={"label": "negative"}, headers=bearer(web, role))
        if role in LABELLERS:
            assert r.status_code == 201, (role, r.text)
            assert r.json()["message"].startswith("已标注为“负面”")
        else:
            assert r.status_code == 403 and "无权访问" in r.json()["error"]
    r = web.client.post(url, json={"label": "angry"}, headers=bearer(web, "duty_officer"))
    assert r.status_code == 400 and "negative、non_negative、irrelevant" in r.json()["error"]
    r = web.client.post(
        PATH.format(mention_id=999999), json={"label": "irrelevant"}, headers=bearer(web, "office")
    )
    assert r.status_code == 404 and "信息 999999 不存在" in r.json()["error"]
    r = web.client.post(url, json={"label": "irrelevant"}, headers=bearer(web, "office"))
    with web.db.session() as s:
        assert s.scalar(select(SentimentLabel.actor).order_by(SentimentLabel.id.desc())) == "office"
        # the latest label of a mention is the one learnt: irrelevant is not negative
        assert [(y, w) for _, y, w in training_labels(s)] == [(0, 3.0)]
