"""The JSON API of the scoring area: an officer corrects a mention's sentiment."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from monitor.scoring.labels import add_label
from monitor.storage.models import Mention
from monitor.storage.scoring import LABEL_NAMES, LABELS
from monitor.web.api import ApiError
from monitor.web.auth import Principal, require
from monitor.web.openapi import body

router = APIRouter(prefix="/api/mentions")


class LabelBody(BaseModel):
    """{"label": "negative" | "non_negative" | "irrelevant"}: 负面、非负面、无关."""

    label: Literal["negative", "non_negative", "irrelevant"]


LABELLERS = ("duty_officer", "office", "leader")  # the console's label buttons use it too
Labeller = Annotated[Principal, Depends(require(*LABELLERS))]


@router.post(
    "/{mention_id}/sentiment",
    summary="纠正一条信息的情感标注（下次训练时学习）",
    openapi_extra=body(LabelBody),
)
async def api_label(request: Request, user: Labeller, mention_id: int) -> JSONResponse:
    """Body {"label": "negative" | "non_negative" | "irrelevant"}; learnt at the next train."""
    try:
        label = json.loads(await request.body()).get("label")
    except (ValueError, AttributeError):
        label = None
    if label not in LABELS:
        raise ApiError(400, f'请求体应为 {{"label": 取值}}；取值可用：{"、".join(LABELS)}。')
    return await run_in_threadpool(_label, request, user, mention_id, label)


def _label(request: Request, user: Principal, mention_id: int, label: str) -> JSONResponse:
    with request.app.state.db.session() as s:
        m = s.get(Mention, mention_id)
        if m is None:
            raise ApiError(404, f"信息 {mention_id} 不存在。")
        add_label(s, m, label, user.name, request.app.state.now())
    return JSONResponse(
        {
            "mention_id": mention_id,
            "label": label,
            "message": f"已标注为“{LABEL_NAMES[label]}”；`yuqing sentiment train` 后生效。",
        },
        status_code=201,
    )
