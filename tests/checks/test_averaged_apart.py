"""Federated averaging without the broadcast: the evaluated global model is loaded every round with the clients'
average, while the clients, built from different random inits, are never loaded from it and train apart; the average
of unrelated networks is no network (probe R f06: 0.68 against 0.96; data.too_few_samples led). Sending the average
back to each client at the start of its round passes."""

SCRIPT = """
import sys, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X, y = torch.tensor(X / 16.0, dtype=torch.float32), torch.tensor(y)
Xtr, ytr, Xva, yva = X[:1300], y[:1300], X[1300:], y[1300:]
K = 3
shards = torch.randperm(len(Xtr)).chunk(K)
loaders = [torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr[s], ytr[s]), batch_size=32, shuffle=True)
           for s in shards]
make = lambda: nn.Sequential(nn.Linear(64, 96), nn.ReLU(), nn.Linear(96, 10))
global_model = make()
clients = [make() for _ in range(K)]
opts = [torch.optim.SGD(c.parameters(), lr=0.05, momentum=0.9) for c in clients]
for rnd in range(8):
    for c, opt, loader in zip(clients, opts, loaders):
        if sys.argv[1] == "broadcast":
            c.load_state_dict(global_model.state_dict())
        for xb, yb in loader:
            loss = F.cross_entropy(c(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
    with torch.no_grad():
        avg = {k: torch.stack([c.state_dict()[k] for c in clients]).mean(0) for k in global_model.state_dict()}
        global_model.load_state_dict(avg)
        global_model.eval()
        out = global_model(Xva)
        print("val_loss", F.cross_entropy(out, yva).item(), "val_acc", (out.argmax(1) == yva).float().mean().item())
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "init.distributed_mismatch"]


def test_clients_never_sent_the_average_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "apart")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "init.distributed_mismatch", report["findings"]
    assert len(found[0]["evidence"]["trained_copies"]) == 3 and found[0]["evidence"]["loads"] >= 3, found[0]


def test_clients_sent_the_average_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "broadcast")
    assert not _found(report), _found(report)
