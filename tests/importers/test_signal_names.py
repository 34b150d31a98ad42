"""Which tags of other tools become the names the checks read, and which must not."""
from __future__ import annotations

import pytest

from traindoctor.importers._imported import canonical_tag, histogram_target


@pytest.mark.parametrize("tag, ours", [
    ("Loss/train", "train/loss"), ("train_loss", "train/loss"), ("loss", "train/loss"), ("loss/auto", "train/loss"),
    ("train/loss_epoch", "train/loss"), ("Loss/val", "eval/loss"), ("val_loss", "eval/loss"),
    ("validation/loss", "eval/loss"), ("Accuracy/val", "eval/acc"), ("val_acc", "eval/acc"),
    ("eval/Accuracy", "eval/acc"), ("test_accuracy", "test/acc"), ("train/acc", "train/acc"),
    ("lr", "opt0/group0/lr"), ("learning_rate", "opt0/group0/lr"), ("train/lr", "opt0/group0/lr"),
    ("epoch_loss", "train/loss"),
])
def test_clear_tags_get_the_checks_names(tag, ours):
    assert canonical_tag(tag) == ours


@pytest.mark.parametrize("tag", [
    "loss_cls", "loss_box", "grad_norm/layer1", "val/lr", "train/val_loss", "accuracy_top5", "loss/acc",
    "kl_loss", "weights/fc1", "val/loss/head2",
])
def test_ambiguous_tags_are_left_alone(tag):
    """One part of a composite loss, or a tag naming two roles, is never taken for the loss."""
    assert canonical_tag(tag) is None


@pytest.mark.parametrize("tag, target", [
    ("fc1.weight", ("fc1.weight", "weight")), ("fc1.weight/auto", ("fc1.weight", "weight")),
    ("fc1.weight.grad", ("fc1.weight", "grad")), ("grad/fc1.weight", ("fc1.weight", "grad")),
    ("gradients/layer1/kernel", ("layer1.kernel", "grad")), ("weights/layer1/bias", ("layer1.bias", "weight")),
])
def test_histogram_tags_name_the_parameter_and_kind(tag, target):
    assert histogram_target(tag) == target
