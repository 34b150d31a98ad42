"""An in-batch contrastive loss (InfoNCE over a (B, B) similarity matrix, positives on the diagonal) given
``torch.zeros(B)`` for ``torch.arange(B)`` (probe R f01: MoCo's convention copied; the loss stays at ln B and
data.too_few_samples counted B classes). The diagonal targets pass, and so do MoCo's zeros on [l_pos, l_neg] logits
whose first column is the positive."""
import pytest

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X = torch.tensor(load_digits().data / 16.0, dtype=torch.float32)
enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 32))
opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X), batch_size=64, shuffle=True,
                                     drop_last=True)
WAY = sys.argv[1]
aug = lambda x: x * (0.8 + 0.4 * torch.rand(len(x), 1)) + 0.05 * torch.randn_like(x)
for epoch in range(4):
    for (xb,) in loader:
        a, b = F.normalize(enc(aug(xb)), dim=1), F.normalize(enc(aug(xb)), dim=1)
        if WAY == "moco":  # the positive first, then the other samples as negatives
            pos = (a * b).sum(1, keepdim=True)
            neg = a @ b.T
            neg = neg[~torch.eye(len(a), dtype=torch.bool)].view(len(a), -1)
            logits = torch.cat([pos, neg], 1) / 0.2
            labels = torch.zeros(len(a), dtype=torch.long)
        else:
            logits = a @ b.T / 0.2
            labels = torch.zeros(len(a), dtype=torch.long) if WAY == "zeros" else torch.arange(len(a))
        loss = F.cross_entropy(logits, labels)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "graph.loss_function" and "in-batch" in f["title"]]


def test_zeros_as_the_targets_of_an_in_batch_similarity_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "zeros")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "graph.loss_function", report["findings"]
    assert found[0]["evidence"]["logits_shape"] == [64, 64] and found[0]["evidence"]["target_value"] == 0


@pytest.mark.parametrize("way", ["diagonal", "moco"])
def test_diagonal_targets_and_mocos_first_column_pass(diagnosed, way):
    _, report = diagnosed(SCRIPT, way)
    assert not _found(report), (way, _found(report))
