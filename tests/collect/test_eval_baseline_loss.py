"""An evaluation loop that prints a baseline beside the model's loss with the same criterion,
crit(torch.zeros_like(yb), yb): the collector averaged both into eval/loss (0.533 for a model at 0.004), and
fit.overfitting warned of a 193x gap (probe I). A constant prediction's loss on the same forward's batch is left
out; a second head's loss is not."""

SCRIPT = """
import torch, torch.nn as nn
torch.manual_seed(0)
X = torch.randn(3000, 8); y = (X @ torch.randn(8, 1)) / 3
tr = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:2400], y[:2400]), batch_size=64, shuffle=True)
va = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[2400:], y[2400:]), batch_size=200)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
crit = nn.MSELoss()
for epoch in range(4):
    model.train()
    for xb, yb in tr:
        loss = crit(model(xb), yb); opt.zero_grad(); loss.backward(); opt.step()
    model.eval(); vl = base = 0.0
    with torch.no_grad():
        for xb, yb in va:
            vl += crit(model(xb), yb).item() * len(yb)
            base += crit(torch.zeros_like(yb), yb).item() * len(yb)
    print(epoch, vl / 600, base / 600)
"""


def test_a_baseline_loss_beside_the_models_is_left_out(diagnosed):
    run_dir, report = diagnosed(SCRIPT)
    from traindoctor.record import open_run

    ev = open_run(str(run_dir)).scalar("eval/loss")
    assert len(ev) == 4 and float(ev.value[-1]) < 0.1, ev.value  # the model's MSE, not (model + baseline) / 2
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
