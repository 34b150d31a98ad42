"""Sensor windows (N, C, T) standardised over the wrong axes, ``X.mean((0, 1))``: one mean and std per time step over
the samples and channels. The batch as a whole has mean 0 and std 1, but each channel keeps its offset and its spread
shrinks against the largest channel's scale; the channel that carries the class varies by about 1e-4 (probe Q f04:
validation 0.32 against 1.00 per channel). Per channel, ``X.mean((0, 2))``, passes."""

SCRIPT = """
import sys, torch, torch.nn as nn
torch.manual_seed(0)
N, T = 600, 32
y = torch.randint(0, 3, (N,))
t = torch.linspace(0, 6.28, T)
gyro = 0.05 * torch.sin(t * (1 + y[:, None])) + 0.01 * torch.randn(N, T)   # carries the class
pressure = 1000 + 5 * torch.randn(N, 1) + 0.5 * torch.randn(N, T)
accel = 9.8 + 0.3 * torch.randn(N, T)
X = torch.stack([pressure, accel, gyro], 1)
axes = (0, 1) if sys.argv[1] == "wrong" else (0, 2)
X = (X - X.mean(axes, keepdim=True)) / X.std(axes, keepdim=True)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True)
model = nn.Sequential(nn.Conv1d(3, 16, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                      nn.Linear(16, 3))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(3):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
"""


def _axes(report):
    return [f for f in report["findings"] if f["id"] == "data.not_normalized"]


def test_channels_standardised_over_the_wrong_axes_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "wrong")
    found = _axes(report)
    assert found and found[0]["title"].startswith("The inputs are standardised as a whole"), found
    assert (found[0]["location"], found[0]["step"]) == ("input", 0)
    ev = found[0]["evidence"]
    assert ev["feature_axis"] == 1 and len(ev["feature_std"]) == 3 and max(ev["feature_std"]) < 0.1, ev
    assert abs(ev["batch_std"] - 1) < 0.1, ev


def test_channels_standardised_each_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "right")
    assert not _axes(report), _axes(report)
