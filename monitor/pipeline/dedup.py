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

from sqlalchemy import insert, or_, select
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


def fingerprint_many(session: Session, mentions: list[tuple[int, tuple[int, bool]]]) -> None:
    """`fingerprint` for many mentions just inserted, as (id, simhash_comparable(text)) in
    publication order: one banded query finds every earlier candidate, one INSERT writes
    them all; a mention may copy one stored before it or one earlier in the list."""
    hashes = [hashed for _, hashed in mentions]
    bands = [sh.bands(h) for h, _ in hashes]
    # (band number, band value) -> positions in `mentions` with that band
    by_band: dict[tuple[int, int], list[int]] = {}
    for pos, b in enumerate(bands):
        for i in range(sh.BANDS):
            by_band.setdefault((i, b[i]), []).append(pos)
    best: list[tuple[int, int] | None] = [None] * len(mentions)

    def consider(pos: int, other: int, other_hash: int, root: int | None) -> None:
        d = (hashes[pos][0] ^ other_hash).bit_count()
        if d <= sh.NEAR and (best[pos] is None or d < best[pos][1]):  # type: ignore[index]
            best[pos] = (root or other, d)

    wanted = [
        {b[i] for b, (_, ok) in zip(bands, hashes, strict=True) if ok} for i in range(sh.BANDS)
    ]
    if any(wanted):
        # by_band for the comparable mentions only: those that look for an earlier story
        comparable: dict[tuple[int, int], list[int]] = {}
        for key, positions in by_band.items():
            if looking := [p for p in positions if hashes[p][1]]:
                comparable[key] = looking
        columns = (Fingerprint.mention_id, Fingerprint.simhash, Fingerprint.duplicate_of_id)
        query = select(*columns, *_BAND).where(
            or_(*(_BAND[i].in_(wanted[i]) for i in range(sh.BANDS) if wanted[i]))
        )
        session.flush()  # as session.execute would have done
        near, get = sh.NEAR, comparable.get
        # Core rows (same transaction): a synthetic or much-reprinted corpus returns
        # thousands of candidates, and the ORM's row handling would cost more than this.
        for other, hex_hash, root, b0, b1, b2, b3 in session.connection().execute(query):
            other_hash = int(hex_hash, 16)
            matched = [
                *get((0, b0), ()),
                *get((1, b1), ()),
                *get((2, b2), ()),
                *get((3, b3), ()),
            ]
            for pos in set(matched) if len(matched) > 1 else matched:
                # consider(), inlined: most candidates are too far
                d = (hashes[pos][0] ^ other_hash).bit_count()
                if d <= near and (best[pos] is None or d < best[pos][1]):  # type: ignore[index]
                    best[pos] = (root or other, d)
    rows = []
    for pos, ((mention_id, _), (h, ok), b) in enumerate(zip(mentions, hashes, bands, strict=True)):
        if ok:  # earlier in this same list
            for earlier in {p for i in range(sh.BANDS) for p in by_band[(i, b[i])] if p < pos}:
                consider(
                    pos, mentions[earlier][0], hashes[earlier][0], rows[earlier]["duplicate_of_id"]
                )
        found = best[pos]
        rows.append(
            {
                "mention_id": mention_id,
                "simhash": f"{h:016x}",
                **{f"band{i}": b[i] for i in range(sh.BANDS)},
                "duplicate_of_id": found[0] if found else None,
                "distance": found[1] if found else None,
            }
        )
    if rows:
        session.execute(insert(Fingerprint), rows)


_BAND = (Fingerprint.band0, Fingerprint.band1, Fingerprint.band2, Fingerprint.band3)


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
