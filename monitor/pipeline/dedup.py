"""Near-duplicate detection: a mention whose text nearly repeats an earlier one is a copy.

Every stored mention gets a SimHash fingerprint. A new mention within `simhash.NEAR` bits
of an earlier one is linked to the story's first publication (`duplicate_of_id`), so the
copies of one story form its propagation path (传播路径): who published first, who
reposted, which media picked it up. Nothing is deleted: each copy stays a mention with its
own source, time and evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from monitor.pipeline import simhash as sh
from monitor.storage.collection import Fingerprint
from monitor.storage.models import Mention


def fingerprint(session: Session, mention: Mention) -> Fingerprint:
    """Fingerprint `mention` (already flushed) and link it to the story it copies, if any."""
    # The body only: outlets retitle what they reprint, and a short title repeated in
    # front of the body would weigh its words twice.
    text = mention.text or mention.title
    h = sh.simhash(text)
    b = sh.bands(h)
    fp = Fingerprint(
        mention_id=mention.id,
        simhash=f"{h:016x}",
        band0=b[0],
        band1=b[1],
        band2=b[2],
        band3=b[3],
    )
    if sh.comparable(text):
        original = _nearest(session, mention.id, h, b)
        if original is not None:
            fp.duplicate_of_id, fp.distance = original
    session.add(fp)
    return fp


def _nearest(session: Session, own_id: int, h: int, b: list[int]) -> tuple[int, int] | None:
    """(root mention id, distance) of the closest earlier fingerprint within NEAR bits."""
    rows = session.execute(
        select(Fingerprint.mention_id, Fingerprint.simhash, Fingerprint.duplicate_of_id).where(
            Fingerprint.mention_id != own_id,
            or_(
                Fingerprint.band0 == b[0],
                Fingerprint.band1 == b[1],
                Fingerprint.band2 == b[2],
                Fingerprint.band3 == b[3],
            ),
        )
    ).all()
    best: tuple[int, int] | None = None
    for mention_id, hex_hash, root in rows:
        d = sh.distance(h, int(hex_hash, 16))
        if d <= sh.NEAR and (best is None or d < best[1]):
            best = (root or mention_id, d)
    return best


@dataclass(frozen=True)
class Copy:
    mention_id: int
    source: str
    site: str | None
    author: str | None
    url: str
    published_at: datetime | None
    fetched_at: datetime
    role: str  # 首发 | 转载 | 转发


def propagation(session: Session, mention_id: int) -> list[Copy]:
    """The story `mention_id` belongs to, first publication first, then its copies by time."""
    root = session.scalar(
        select(Fingerprint.duplicate_of_id).where(Fingerprint.mention_id == mention_id)
    )
    root = root or mention_id
    ids = [
        root,
        *session.scalars(select(Fingerprint.mention_id).where(Fingerprint.duplicate_of_id == root)),
    ]
    mentions = session.scalars(select(Mention).where(Mention.id.in_(ids))).all()

    def when(m: Mention) -> datetime:
        return m.published_at or m.fetched_at

    ordered = sorted(mentions, key=lambda m: (when(m), m.id))
    out = []
    for i, m in enumerate(ordered):
        role = "首发" if i == 0 else ("转发" if m.kind == "weibo" else "转载")
        out.append(
            Copy(m.id, m.source.name, m.site, m.author, m.url, m.published_at, m.fetched_at, role)
        )
    return out
