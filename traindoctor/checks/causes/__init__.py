"""The cause checks of the accuracy checklist, one module per family.

Importing registers them, in an order that matters: ``data.label_errors`` reads
which graph/init/API causes were found (a badly trained model contradicts correct
labels too), and the hyperparameter family comes last, so that a learning rate in
its usual range is not blamed for what bad data or a bad initialisation explains.
"""
from __future__ import annotations

from . import api, graph, init  # noqa: F401  (registers)
from . import data  # noqa: F401  (registers; label errors read the findings of the families above)
from . import hparam  # noqa: F401  (registers; reads the findings of the others)
