"""``traindoctor serve``: the web dashboard over a log directory (a JSON API and a static frontend)."""
from __future__ import annotations

__all__ = ["create_app", "RunStore", "serve"]


def __getattr__(name: str):  # the web stack is an optional dependency: import it only when used
    if name == "create_app":
        from .app import create_app
        return create_app
    if name == "RunStore":
        from .runs import RunStore
        return RunStore
    if name == "serve":
        from .cli import serve
        return serve
    raise AttributeError(name)
