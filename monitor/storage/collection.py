"""Tables of the collection area: crawl state (incremental), text fingerprints, reporters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base


class CrawlState(Base):
    """What a source's last fetch of a URL said, so the next crawl can skip or ask 'changed?'.

    A page that can change (a feed, a list page, a board message still 未回复) is fetched
    again with its validators (ETag / Last-Modified); a news article already stored is not
    fetched again at all.
    """

    __tablename__ = "crawl_state"
    __table_args__ = (UniqueConstraint("source", "url", name="uq_crawl_state_source_url"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(String(1000))  # canonical URL
    etag: Mapped[str | None] = mapped_column(String(300))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime]


class Fingerprint(Base):
    """A mention's 64-bit SimHash and, when its text nearly repeats an earlier mention's,
    the mention it copies (`duplicate_of_id`, the first publication of the story).

    The hash is split into four 16-bit bands: two hashes within 3 bits of each other share
    at least one band, so near duplicates are found by an indexed equality lookup.
    """

    __tablename__ = "mention_fingerprints"
    __table_args__ = (
        Index("ix_fp_band0", "band0"),
        Index("ix_fp_band1", "band1"),
        Index("ix_fp_band2", "band2"),
        Index("ix_fp_band3", "band3"),
    )
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), primary_key=True)
    simhash: Mapped[str] = mapped_column(String(16))  # hex; 64 bits do not fit a signed int
    band0: Mapped[int] = mapped_column(Integer)
    band1: Mapped[int] = mapped_column(Integer)
    band2: Mapped[int] = mapped_column(Integer)
    band3: Mapped[int] = mapped_column(Integer)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("mentions.id"), index=True)
    distance: Mapped[int | None] = mapped_column(Integer)  # Hamming bits to the original


class Reporter(Base):
    """Who reported a manually entered item (来信来电): confidential (举报人保密).

    Kept apart from the mention so nothing that reads mentions (analysis, alerts, digest,
    console lists) can reach it; only monitor.intake.reporter_for() reads it, role-checked.
    """

    __tablename__ = "reporters"
    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(100))
    employer: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(100))
    entered_at: Mapped[datetime]
