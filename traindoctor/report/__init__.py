"""The report: ranked findings with evidence and advice, and the full checklist."""
from __future__ import annotations

from .model import SCHEMA, Report, diagnose

__all__ = ["Report", "diagnose", "SCHEMA"]
