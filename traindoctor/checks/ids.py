"""The checklist vocabulary of ``CHECKLIST.md``: every id, its kind and its family.

These strings are the public contract (JSON ``findings[].id`` and ``checklist[].id``).
"""
from __future__ import annotations

SYMPTOMS = {
    "loss.nan_inf": "the loss became NaN or Inf",
    "loss.blowup": "the loss grows to very large values",
    "loss.not_converging": "the loss does not go down, or very slowly",
    "loss.oscillating": "the loss swings up and down without settling",
    "loss.zero": "training loss at (or near) zero",
    "grad.vanishing": "gradients too small to move the weights",
    "grad.exploding": "gradients very large or growing",
    "weight.not_updating": "trainable weights do not change",
    "weight.change_too_small": "update/weight ratio far below the healthy band",
    "weight.change_too_large": "update/weight ratio far above the healthy band",
    "activation.saturated": "sigmoid/tanh outputs stuck at their bounds",
    "activation.dead_relu": "ReLU outputs all zero for most units",
    "tensor.overflow": "NaN/Inf or values near the dtype's limit inside the network",
    "fit.overfitting": "train metric good, validation metric bad or worsening",
    "fit.underfitting": "both train and validation metrics poor",
}

CAUSES = {
    "hparam.lr_too_large": ("hyperparameter", "learning rate too large"),
    "hparam.lr_too_small": ("hyperparameter", "learning rate too small"),
    "hparam.loss_scale": ("hyperparameter", "loss scaling unreasonable"),
    "hparam.init_scale": ("hyperparameter", "weight-initialisation scale unreasonable"),
    "hparam.epochs_too_few": ("hyperparameter", "training stopped while validation still improved"),
    "hparam.epochs_too_many": ("hyperparameter", "training went on long after validation stopped improving"),
    "hparam.batch_size_too_large": ("hyperparameter", "batch size too large"),
    "data.missing_values": ("data", "missing or placeholder values in the inputs"),
    "data.class_imbalance": ("data", "classes with very different sample counts"),
    "data.outliers": ("data", "abnormal values far from the rest"),
    "data.label_errors": ("data", "wrong labels"),
    "data.too_few_samples": ("data", "too few training samples for the model's capacity"),
    "data.not_normalized": ("data", "inputs not normalised"),
    "data.preprocess_mismatch": ("data", "evaluation data processed differently from training data"),
    "data.not_shuffled": ("data", "training data not shuffled"),
    "api.constraint_violation": ("api", "an API used against its constraints"),
    "graph.wrong_operator": ("graph", "an operator unfit for its purpose"),
    "graph.weight_sharing": ("graph", "weights shared that should not be"),
    "graph.node_connection": ("graph", "a block whose output never reaches the loss"),
    "graph.node_mode": ("graph", "a train/eval-mode operator in the wrong mode"),
    "graph.frozen_weights": ("graph", "weights frozen that should not be"),
    "graph.loss_function": ("graph", "the loss function is wrong for the output"),
    "graph.optimizer": ("graph", "the optimizer is used wrongly"),
    "init.all_zero": ("initialization", "initial weights all zero or all equal"),
    "init.distributed_mismatch": ("initialization", "ranks start from different weights"),
}

SYMPTOM_CATEGORY = {
    "loss": "loss", "grad": "gradient", "weight": "weight", "activation": "activation",
    "tensor": "tensor", "fit": "metric",
}

ALL_IDS = list(SYMPTOMS) + list(CAUSES)


def kind_of(check_id: str) -> str:
    return "symptom" if check_id in SYMPTOMS else "cause"


def category_of(check_id: str) -> str:
    if check_id in CAUSES:
        return CAUSES[check_id][0]
    return SYMPTOM_CATEGORY[check_id.split(".")[0]]


def describe(check_id: str) -> str:
    return SYMPTOMS.get(check_id) or CAUSES[check_id][1]
