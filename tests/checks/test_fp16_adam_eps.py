"""A model and its inputs in float16 on the CPU, trained with Adam (probe J f05): eps=1e-8 is 0 in float16, so a
weight whose gradient is 0 (a pixel that is always 0) gets 0/0 = NaN at the first update. The report named the
non-finite weights but not why, and called the float16 input float32."""
from traindoctor.record import open_run

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
X, y = load_digits(return_X_y=True)
X = torch.tensor(X / 16.0, dtype=DTYPE); y = torch.tensor(y)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10)).to(DTYPE)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(2):
    for i in range(0, 1500, 100):
        loss = nn.functional.cross_entropy(model(X[i:i + 100]).float(), y[i:i + 100])
        opt.zero_grad(); loss.backward(); opt.step()
"""


def test_adam_eps_lost_in_float16_leads(diagnosed):
    run_dir, report = diagnosed(SCRIPT.replace("DTYPE", "torch.float16"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("api.constraint_violation", "optimizer Adam eps", 0), top
    assert top["title"].startswith("Adam's eps 1e-08 is 0 in float16"), top
    first = next(e for e in open_run(run_dir).events("nonfinite"))
    assert first["inputs"][0]["dtype"] == "float16", first["inputs"]


def test_float32_weights_pass(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DTYPE", "torch.float32"))
    ids = [f["id"] for f in report["findings"]]
    assert "api.constraint_violation" not in ids and "loss.nan_inf" not in ids, report["findings"]
