"""Gaussian-noise augmentation 15 times too strong (probe J f07: NOISE_STD = 1.5 on standardised two-moons, meant
0.1): the model trains on inputs spread 1.8x wider than the loader's and scores 0.72 on them against 0.88 on the
clean validation inputs. Only loss.not_converging was found."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import make_moons
from sklearn.preprocessing import StandardScaler
torch.manual_seed(0)
X, y = make_moons(2000, noise=0.15, random_state=0)
X = torch.tensor(StandardScaler().fit_transform(X), dtype=torch.float32); y = torch.tensor(y)
X_val, y_val = X[1600:], y[1600:]
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:1600], y[:1600]), batch_size=64, shuffle=True)
model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(10):
    for xb, yb in loader:
        xb = xb + NOISE * torch.randn_like(xb)
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    with torch.no_grad():
        acc = (model(X_val).argmax(1) == y_val).float().mean().item()
"""


def test_noise_that_drowns_the_inputs_is_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("NOISE", "1.5"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("data.preprocess_mismatch", "training inputs"), top
    assert top["evidence"]["std_ratio"] > 1.5 and top["evidence"]["eval_acc"] - top["evidence"]["train_acc"] > 0.1


def test_mild_noise_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("NOISE", "0.1"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
