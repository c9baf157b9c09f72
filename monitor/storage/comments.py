"""Table of the comments area: the comments (评论, 跟帖) read under a post or an article.

A site's hot comments are read with the mention (spiders/kinds/weibo_comments.py, the news
spider's `comments:` options) and kept one row each, keyed by the site's own comment id, so
a later crawl of the same post updates the like counts instead of adding copies. Their
sentiment is scored as they are stored; events sum them (monitor/scoring/comments.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from monitor.storage.models import Base


class Comment(Base):
    __tablename__ = "mention_comments"
    __table_args__ = (
        UniqueConstraint("mention_id", "key", name="uq_mention_comments_key"),
        # an event's comments, most liked first: the page's top comments and views
        Index("ix_mention_comments_mention_likes", "mention_id", "likes"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    mention_id: Mapped[int] = mapped_column(ForeignKey("mentions.id"))
    key: Mapped[str] = mapped_column(String(64))  # the site's id of the comment
    position: Mapped[int] = mapped_column(Integer, default=0)  # order as the site listed it
    # the commenter's name only as the site shows it (nothing looked up, nothing added)
    author: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None]
    text: Mapped[str] = mapped_column(Text)
    likes: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[float | None] = mapped_column(Float)  # P(negative), scored when stored
    fetched_at: Mapped[datetime]  # the last crawl that read it
