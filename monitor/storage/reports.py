"""Tables of the reports area: each report made (日报, 专报, 考核, 留言公开清单) and its files.

The rendered files are kept in the database, not only on disk: the console serves them and
the outbox attaches them from here, so a report is whole wherever the service runs, and a
delivery after a restart sends the very bytes that were made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from monitor.storage.models import Base

# what each kind of report is called, in the console and in messages
KIND_NAMES = {
    "daily": "舆情日报",
    "special": "舆情专报",
    "assessment": "考核通报",
    "messages": "留言公开清单",
}


class Report(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # daily|special|assessment|messages
    # what it is of: daily:2026-12-03, assessment:2026-11, messages:2026-Q4, special:17:…
    # A scheduled run claims its key by inserting the row first (unique), so two service
    # processes on one database never make or deliver the same scheduled report twice.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    period: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="building")  # building|ready|failed
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None]
    files: Mapped[list[ReportFile]] = relationship(
        order_by="ReportFile.id", cascade="all, delete-orphan"
    )


class ReportFile(Base):
    __tablename__ = "report_files"
    __table_args__ = (UniqueConstraint("report_id", "format", name="uq_report_files_format"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    format: Mapped[str] = mapped_column(String(10))  # html | md | docx | pdf
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
