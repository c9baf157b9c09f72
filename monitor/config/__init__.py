"""Configuration: one YAML tree under config/, validated on load."""

from monitor.config.loader import load_config
from monitor.config.models import Settings

__all__ = ["Settings", "load_config"]
