"""The web console and JSON API (FastAPI); `create_app` builds it from config and a database."""

from monitor.web.app import create_app

__all__ = ["create_app"]
