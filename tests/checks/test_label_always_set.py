"""Ordinal (CORAL) levels built as ``arange(K - 1) <= y`` instead of ``< y`` (probe P f03): level 0 is 1 for every
sample and every grade decodes one too high, 0.19 against 0.83; nothing was found. The right encoding is left
alone."""
import pytest

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
torch.manual_seed(0)
K = 5
X = torch.randn(2048, 8)
y = torch.bucketize(X @ torch.linspace(-1, 1, 8), torch.tensor([-1.5, -0.5, 0.5, 1.5]))
class Coral(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
        self.thresholds = nn.Parameter(torch.linspace(-1, 1, K - 1))
    def forward(self, x):
        return self.body(x) - self.thresholds
model = Coral()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    for i in range(0, 2048, 64):
        levels = (torch.arange(K - 1) OP y[i:i + 64].unsqueeze(1)).float()
        loss = F.binary_cross_entropy_with_logits(model(X[i:i + 64]), levels)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_level_set_for_every_sample_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("OP", "<="))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("data.label_errors", "binary_cross_entropy_with_logits target"), top
    assert top["evidence"]["always_set_columns"] == [0], top


def test_cumulative_levels_pass(diagnosed):
    _, report = diagnosed(SCRIPT.replace("OP", "<"))
    assert "data.label_errors" not in [f["id"] for f in report["findings"]], report["findings"]
