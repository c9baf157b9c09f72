"""API for manual intake (来信来电): enter an item; read its reporter (保密员、领导 only)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from monitor.intake import CHANNELS, READERS, IntakeError, IntakeRecord, record, reporter_for
from monitor.web.api import ApiError
from monitor.web.auth import Principal, require
from monitor.web.openapi import body

router = APIRouter(prefix="/api/intake")

Clerk = Annotated[Principal, Depends(require("duty_officer", "office"))]
Keeper = Annotated[Principal, Depends(require(*READERS))]


class IntakeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str
    title: str = Field("", max_length=500)
    text: str = Field(min_length=1, max_length=20000)
    received_at: datetime | None = None  # ISO 8601 with offset; default now
    reporter_name: str | None = Field(None, max_length=200)
    reporter_phone: str | None = Field(None, max_length=100)
    reporter_employer: str | None = Field(None, max_length=300)
    reporter_address: str | None = Field(None, max_length=1000)
    department: str | None = Field(None, max_length=64)  # lead department's code, if known
    confidentiality_requested: bool = False


@router.post("", summary="登记来信来电（举报人身份单独加密保存）", openapi_extra=body(IntakeBody))
async def api_intake(request: Request, user: Clerk) -> JSONResponse:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise ApiError(415, "请求体须为 JSON（Content-Type: application/json）。")
    try:
        body = IntakeBody.model_validate(json.loads(await request.body()))
    except (ValueError, ValidationError):
        raise ApiError(
            400,
            '请求体应为 {"channel": 渠道, "text": 内容, 可选 "title"、"received_at"（带时区）、'
            '"reporter_name"/"reporter_phone"/"reporter_employer"/"reporter_address"、'
            '"department"（部门代码）、"confidentiality_requested"}；'
            f"渠道可用：{'、'.join(CHANNELS)}。",
        ) from None
    return await run_in_threadpool(_record, request, user, body)


def _record(request: Request, user: Principal, body: IntakeBody) -> JSONResponse:
    now = request.app.state.now()
    received = body.received_at or now
    if received.tzinfo is None:
        raise ApiError(400, "received_at 须带时区，例如 2026-11-21T09:30:00+08:00。")
    item = IntakeRecord(
        body.channel,
        body.title,
        body.text,
        received,
        body.reporter_name,
        body.reporter_phone,
        body.reporter_employer,
        body.reporter_address,
        department=body.department or None,
        confidentiality_requested=body.confidentiality_requested,
    )
    with request.app.state.db.session() as s:
        try:
            mention = record(s, item, user.name, now)
        except IntakeError as e:
            raise ApiError(400, str(e)) from None
        mention_id = mention.id
    # The answer does not echo the reporter: it may be logged or cached by a client.
    return JSONResponse(
        {"mention_id": mention_id, "channel": body.channel, "reporter_kept": item.has_reporter()},
        status_code=201,
    )


@router.get("/{mention_id}/reporter", summary="查看来信来电的举报人身份（留审计记录）")
def api_reporter(request: Request, user: Keeper, mention_id: int) -> JSONResponse:
    with request.app.state.db.session() as s:
        found = reporter_for(s, mention_id, user.name, user.role, request.app.state.now())
    if found is None:
        raise ApiError(404, f"信息 {mention_id} 没有登记举报人信息。")
    return JSONResponse(found, headers={"Cache-Control": "no-store"})
