"""A training DataLoader with drop_last=True and a batch larger than its dataset yields no batch (probe J f14: 256
of 133 wine rows): the model never trained, every dynamic check said 'no loss record', and no finding said why. With a BatchNorm (probe Q f08), graph.node_mode
called it in eval mode while the model trained: no step trained."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_wine
X, y = load_wine(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32); y = torch.tensor(y)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[:133], y[:133]), batch_size=256,
                                     shuffle=True, drop_last=DROP)
model = nn.Sequential(nn.Linear(13, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(20):
    model.train()
    for xb, yb in loader:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        nn.functional.cross_entropy(model(X[133:]), y[133:])
"""


def test_a_training_loader_without_batches_leads(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DROP", "True"))
    top = report["findings"][0]
    assert (top["id"], top["severity"], top["location"]) == ("hparam.batch_size_too_large", "error",
                                                             "loader batch_size"), top
    assert "yields no batch" in top["title"] and "never trained" in top["title"], top
    assert top["evidence"]["dataset_length"] == 133 and top["evidence"]["epochs_iterated"] == 20
    # nothing trained, in any mode: the BatchNorm seen only at evaluation is not "in eval mode while training"
    assert not [f for f in report["findings"] if f["id"] == "graph.node_mode"], report["findings"]


def test_the_same_loader_keeping_its_last_batch_trains(diagnosed):
    _, report = diagnosed(SCRIPT.replace("DROP", "False"))
    assert not [f for f in report["findings"] if f["id"] == "hparam.batch_size_too_large"], report["findings"]
