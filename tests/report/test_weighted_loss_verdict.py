"""A class-weighted loss on 8% positives trades accuracy for the small class's recall on purpose: the verdict said
'validation accuracy 0.942 is below 0.958', a bar from the majority share, and blamed class imbalance, while the
same report noted the imbalance answered by the weighted loss (probe I). Training was judged against a uniform
guess already; validation now is too."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import make_classification
X, y = make_classification(n_samples=6000, n_features=12, n_informative=6, weights=[0.92], class_sep=0.8,
                           random_state=0)
X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:4800], y[:4800]), batch_size=64, shuffle=True)
val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[4800:], y[4800:]), batch_size=400)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
crit = nn.CrossEntropyLoss(weight=torch.tensor([1.0, 11.5]))
for epoch in range(6):
    model.train()
    for xb, yb in train:
        loss = crit(model(xb), yb); opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            crit(model(xb), yb)
"""


def test_a_class_weighted_loss_is_judged_against_a_uniform_guess(diagnosed):
    _, report = diagnosed(SCRIPT)
    val = next(s for s in report["accuracy"]["stages"] if s["stage"] == "val")
    assert val["reference_kind"] == "uniform-guess baseline" and abs(val["reference"] - 0.5) < 1e-9, val
    assert val["met"] is True, val
    assert "below" not in report["accuracy"]["verdict"], report["accuracy"]["verdict"]
    assert report["accuracy"]["verdict"].startswith("accuracy is above a uniform guess (the loss is class-weighted)")
