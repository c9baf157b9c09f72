"""The JSON API described: /openapi.json (OpenAPI 3.1) and /docs, a reference page for it.

Only the JSON API (/api/…, /healthz) is described; the console's pages are not an API.
Each operation carries the roles that may call it (`x-roles`, read from its require(…)),
the bearer-token security scheme and the error answers every endpoint shares. /docs is
rendered here from the same spec, without script (the console's CSP allows none), so it
works on an offline intranet where Swagger UI's assets could not be fetched.

The request bodies are read by the handlers themselves (after the role check, only as
JSON), so FastAPI cannot see them; a route names its body model with `body(Model)`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

import fastapi.routing
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from monitor.accounts.roles import ROLES
from monitor.web.auth import ALL_ROLES, Principal, require
from monitor.web.render import render

router = APIRouter()
Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]

ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string", "description": "中文错误说明，可直接展示给用户"}},
}
ERRORS = {
    "400": "请求参数或请求体无效",
    "401": "未登录或令牌无效",
    "403": "角色或部门无权执行此操作",
    "404": "对象不存在",
}
GROUPS = {
    "events": "事件",
    "drafts": "稿件与审核",
    "commitments": "公开承诺",
    "intake": "来信来电",
    "mentions": "信息",
    "search": "检索",
    "reports": "报告",
    "sources": "信息源",
    "route": "分派",
    "healthz": "运行状态",
}


def body(model: type[BaseModel], description: str = "") -> dict[str, Any]:
    """`openapi_extra` for a route whose handler reads `model` from a JSON body itself."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)  # the bodies are flat; nothing refers to definitions
    return {
        "requestBody": {
            "required": True,
            "description": description or (model.__doc__ or "").strip(),
            "content": {"application/json": {"schema": schema}},
        }
    }


def route_roles(route: Any) -> list[str]:
    """The roles of the route's require(…), in ROLES' order; empty for a public route."""
    named = {
        r for d in route.dependant.dependencies for r in (getattr(d.call, "roles", None) or ())
    }
    return [r for r in ROLES if r in named]


def described(path: str) -> bool:
    return path.startswith("/api/") or path == "/healthz"


def api_routes(app: FastAPI) -> list[Any]:
    """Every route of the JSON API. Since FastAPI 0.16x, `app.routes` holds one opaque entry
    per include_router; iter_route_contexts walks into them, with the prefixed paths."""
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    routes = list(walk(app.router.routes)) if walk else list(app.routes)
    return [
        r
        for r in routes
        if isinstance(getattr(r, "original_route", r), APIRoute) and described(r.path or "")
    ]


def group_of(path: str) -> str:
    parts = [p for p in path.split("/") if p and p != "api"]
    return parts[0] if parts else ""


def build_spec(app: FastAPI) -> dict[str, Any]:
    routes = api_routes(app)
    try:
        release = version("yuqing")
    except PackageNotFoundError:  # run from a checkout that was never installed
        release = "0"
    spec = get_openapi(
        title="舆情监测与回应服务 API",
        version=release,
        openapi_version="3.1.0",
        description=(
            "控制台的 JSON 接口，供脚本和其他系统调用。请求头带 `Authorization: Bearer <令牌>`"
            "（`yuqing user add` 或 `yuqing user rotate` 生成）。时间均为带时区的 ISO 8601；"
            "存储为 UTC，展示为北京时间。每个接口的 `x-roles` 列出可调用的角色，"
            "管理员可调用全部接口；责任处室只能操作本部门负责或会商的事件。"
        ),
        routes=app.routes,
    )
    spec["paths"] = {p: ops for p, ops in spec.get("paths", {}).items() if described(p)}
    components = spec.setdefault("components", {})
    components.setdefault("schemas", {})["Error"] = ERROR
    components["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    by_key = {(m.lower(), r.path): r for r in routes for m in r.methods or ()}
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            route = by_key[(method, path)]
            roles = route_roles(route)
            group = group_of(path)
            op["tags"] = [GROUPS.get(group, group)]
            docstring = (getattr(route.original_route, "description", "") or "").strip()
            if not getattr(route.original_route, "summary", None) and docstring:
                first, _, rest = docstring.partition("\n")
                op["summary"] = first.strip()
                if rest.strip():
                    op["description"] = rest.strip()
                else:
                    op.pop("description", None)
            if roles:
                op["x-roles"] = roles
                op["security"] = [{"bearer": []}]
            responses = op.setdefault("responses", {})
            # FastAPI's own 422 never happens: validation failures answer 400 in Chinese
            responses.pop("422", None)
            for code, text in ERRORS.items():
                if code == "401" and not roles:
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": text,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    },
                )
    schemas = components["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    return spec


def spec_of(request: Request) -> dict[str, Any]:
    """Built once per application: the routes do not change while it runs."""
    state = request.app.state
    if getattr(state, "openapi", None) is None:
        state.openapi = build_spec(request.app)
    spec: dict[str, Any] = state.openapi
    return spec


@router.get("/openapi.json", include_in_schema=False)
def openapi_json(request: Request, _user: Reader) -> JSONResponse:
    return JSONResponse(spec_of(request))


def _schema_rows(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    rows = []
    for name, prop in (schema.get("properties") or {}).items():
        rows.append(
            {
                "name": name,
                "type": type_text(prop),
                "required": name in required,
                "notes": constraint_text(prop),
            }
        )
    return rows


def type_text(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        kinds = [type_text(p) for p in prop["anyOf"] if p.get("type") != "null"]
        return " 或 ".join(kinds) + ("（可为空）" if len(kinds) < len(prop["anyOf"]) else "")
    kind = prop.get("type", "")
    if kind == "array":
        return f"{type_text(prop.get('items', {}))} 数组"
    if prop.get("format") == "date-time":
        return "时间（ISO 8601，带时区）"
    if "enum" in prop:
        return "、".join(str(v) for v in prop["enum"])
    return {"string": "文本", "integer": "整数", "boolean": "布尔", "number": "数值"}.get(
        kind, kind or "任意"
    )


def constraint_text(prop: dict[str, Any]) -> str:
    notes = []
    if "minLength" in prop:
        notes.append(f"至少 {prop['minLength']} 字")
    if "maxLength" in prop:
        notes.append(f"至多 {prop['maxLength']} 字")
    if "default" in prop and prop["default"] is not None:
        notes.append(f"默认 {prop['default']}")
    return "，".join(notes)


def operations(spec: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The spec as the reference page lists it: by group, each operation with its rows."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, ops in spec.get("paths", {}).items():
        for method, op in ops.items():
            content = (op.get("requestBody") or {}).get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            groups.setdefault(op["tags"][0], []).append(
                {
                    "anchor": f"{method}-{path}".replace("/", "-").strip("-"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "roles": [ROLES[r] for r in op.get("x-roles", [])],
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": {"path": "路径", "query": "查询"}.get(p["in"], p["in"]),
                            "type": type_text(p.get("schema", {})),
                            "required": p.get("required", False),
                            "notes": constraint_text(p.get("schema", {})),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _schema_rows(schema),
                    "responses": sorted(
                        (code, r.get("description", "")) for code, r in op["responses"].items()
                    ),
                }
            )
    order = list(GROUPS.values())
    return sorted(groups.items(), key=lambda g: order.index(g[0]) if g[0] in order else 99)


@router.get("/docs", include_in_schema=False)
def docs_page(request: Request, _user: Reader) -> Response:
    spec = spec_of(request)
    return render(
        request,
        "web/api_docs.html.j2",
        title="接口文档",
        spec=spec,
        groups=operations(spec),
        public_url=request.app.state.config.settings.service.web.public_url.rstrip("/"),
    )
