"""A multi-label task's accuracy is per label: N * K answers, most of them negative for sparse tags. It was judged
with a single-label margin, halfway from the all-negative share (0.906) to 1.0, a bar of 0.953 that logistic
regression (0.935) and the MLP (0.937) both miss (probe I 07b): 'validation accuracy 0.93 is below 0.953'."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
from sklearn.datasets import make_multilabel_classification
X, Y = make_multilabel_classification(n_samples=3000, n_features=60, n_classes=25, n_labels=2, length=80,
                                      allow_unlabeled=False, random_state=4)
X = np.log1p(X); X = (X - X[:2400].mean(0)) / (X[:2400].std(0) + 1e-6)
X = torch.tensor(X, dtype=torch.float32); Y = torch.tensor(Y, dtype=torch.float32)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:2400], Y[:2400]), batch_size=64, shuffle=True)
val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[2400:], Y[2400:]), batch_size=600)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(60, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 25))
opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
crit = nn.BCEWithLogitsLoss()
for epoch in range(6):
    model.train()
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            crit(model(xb), yb)
"""


def test_a_sparse_multi_label_task_is_judged_per_label(diagnosed):
    _, report = diagnosed(SCRIPT)
    acc = report["accuracy"]
    stages = {s["stage"]: s for s in acc["stages"]}
    assert acc.get("per_label") is True, acc
    val = stages["val"]
    assert 0.85 < val["reference"] < 0.95 and val["required"] == val["reference"] and val["met"] is True, val
    assert acc["verdict"].startswith("per-label accuracy is above the share of the more common answer over all "
                                     "labels on every stage recorded"), acc["verdict"]
    assert "--target val_f1=" in acc["verdict"], acc["verdict"]
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
