"""The cause checks of the accuracy checklist, one module per family.

Importing registers them. The hyperparameter family comes last: its checks read
which other causes were found, so that a learning rate in its usual range is not
blamed for what bad data or a bad initialisation explains.
"""
from __future__ import annotations

from . import api, data, graph, init  # noqa: F401  (registers)
from . import hparam  # noqa: F401  (registers; reads the findings of the others)
