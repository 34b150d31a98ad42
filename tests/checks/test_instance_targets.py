"""SimCLR's NT-Xent: cross_entropy over a (2B, 2B) similarity matrix against targets 0..2B-1, each view's partner
(probe J h02, a linear probe at 0.973). Its width was read as 512 classes, and data.too_few_samples warned of '3
samples per class'."""

SCRIPT = """
import torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1200]), batch_size=128, shuffle=True,
                                     drop_last=True)
torch.manual_seed(0)
enc = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 64))
opt = torch.optim.Adam(enc.parameters(), lr=1e-3)
aug = lambda x: x * (torch.rand_like(x) > 0.2) + 0.05 * torch.randn_like(x)
for epoch in range(3):
    for (xb,) in loader:
        z = F.normalize(enc(torch.cat([aug(xb), aug(xb)])), dim=1)
        sim = z @ z.T / 0.2
        sim = sim.masked_fill(torch.eye(len(z), dtype=torch.bool), -1e9)
        n = len(xb)
        targets = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
        loss = F.cross_entropy(sim, targets)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_instance_discrimination_targets_are_no_classes(diagnosed):
    _, report = diagnosed(SCRIPT)
    checks = {c["id"]: c for c in report["checklist"]}
    assert "per class" not in checks["data.too_few_samples"]["note"], checks["data.too_few_samples"]
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
