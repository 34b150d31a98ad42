"""A margin loss that reaches zero has met every margin, its optimum: loss.zero warned 'the model memorises the
training set' on a healthy triplet embedding (probe I). The first training loss's top autograd nodes (a mean of
a clamp at zero) say it is a hinge; a cross-entropy at zero is still judged."""

SCRIPT = """
import torch, torch.nn as nn
torch.manual_seed(0)
w = torch.randn(8)
X1, X2 = torch.randn(8192, 8), torch.randn(8192, 8)
d = X1 @ w - X2 @ w
X1, X2, t = X1[d.abs() > 1][:4096], X2[d.abs() > 1][:4096], torch.sign(d[d.abs() > 1][:4096])  # clear pairs
scorer = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(scorer.parameters(), lr=1e-2)
crit = nn.MarginRankingLoss(margin=0.1)
for epoch in range(6):
    for i in range(0, 4096, 128):
        loss = crit(scorer(X1[i:i + 128]).squeeze(1), scorer(X2[i:i + 128]).squeeze(1), t[i:i + 128])
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_a_margin_loss_at_zero_is_no_memorisation(diagnosed):
    _, report = diagnosed(SCRIPT)
    note = next(c for c in report["checklist"] if c["id"] == "loss.zero")
    assert note["status"] == "pass" and "margin (hinge) loss (ClampMinBackward0 under MeanBackward0)" in note["note"]
    assert not [f for f in report["findings"] if f["id"] == "loss.zero"], report["findings"]
