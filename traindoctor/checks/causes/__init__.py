"""The cause checks of the accuracy checklist, one module per family.

Importing registers them, in an order that matters: the hyperparameter family
reads which data/graph/init/API causes were found, so that a learning rate in its
usual range is not blamed for what bad data or a bad initialisation explains; and
``data.label_errors`` (in :mod:`.labels`) runs last, since a model that trains
badly for any other reason also contradicts correct labels.
"""
from __future__ import annotations

from . import api, data, graph, init  # noqa: F401  (registers)
from . import hparam  # noqa: F401  (registers; reads the findings of the families above)
from . import labels  # noqa: F401  (registers; reads every other cause)
