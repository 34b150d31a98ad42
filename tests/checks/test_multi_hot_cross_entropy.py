"""Several labels per sample (1-4 of 8 tags) trained with CrossEntropyLoss on the multi-hot rows: its softmax makes
the tags compete, and F1 stays at 0.71 against 0.82 with BCEWithLogitsLoss (probe H f19). Float targets read as soft
labels, so nothing was found."""

SCRIPT = """
import torch, torch.nn as nn
torch.manual_seed(0)
X = torch.randn(2048, 16)
W = torch.randn(16, 8)
Y = (X @ W > 0.8).float()
Y[Y.sum(1) == 0, 0] = 1.0
if ONE_HOT:
    Y = nn.functional.one_hot(Y.argmax(1), 8).float()
model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 8))
crit = LOSS
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for epoch in range(4):
    for i in range(0, 2048, 64):
        loss = crit(model(X[i:i + 64]), Y[i:i + 64])
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_multi_hot_targets_given_to_cross_entropy_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("LOSS", "nn.CrossEntropyLoss()").replace("ONE_HOT", "False"))
    top = report["findings"][0]
    assert (top["id"], top["severity"], top["step"]) == ("graph.loss_function", "error", 0), top
    assert top["title"].startswith("Multi-hot targets (") and "fed to cross_entropy" in top["title"], top
    assert 1.2 < top["evidence"]["labels_per_sample"] < 4


def test_bce_on_multi_hot_and_cross_entropy_on_one_hot_pass(diagnosed):
    for loss, one_hot in (("nn.BCEWithLogitsLoss()", "False"), ("nn.CrossEntropyLoss()", "True")):
        _, report = diagnosed(SCRIPT.replace("LOSS", loss).replace("ONE_HOT", one_hot))
        assert not [f for f in report["findings"] if f["id"] == "graph.loss_function"], (loss, report["findings"])
