# Federated averaging (FedAvg) simulated on 8x8 digits: 4 clients with their own shard, each round every
# client trains one local epoch (SGD momentum) and the server averages the client weights into the
# global MLP (64-128-64-10), which is evaluated
import copy, numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(6)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=6, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
K = 4
shards = torch.randperm(len(Xtr)).chunk(K)
loaders = [torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr[s], ytr[s]), batch_size=32, shuffle=True)
           for s in shards]

def make_model():
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))

global_model = make_model()
clients = [make_model() for _ in range(K)]
opts = [torch.optim.SGD(c.parameters(), lr=0.05, momentum=0.9) for c in clients]
for rnd in range(20):
    tot = 0.0
    for c, opt, loader in zip(clients, opts, loaders):
        c.train()
        for xb, yb in loader:
            loss = F.cross_entropy(c(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
            tot += loss.item() * len(xb)
    with torch.no_grad():
        avg = {k: torch.stack([c.state_dict()[k] for c in clients]).mean(0) for k in global_model.state_dict()}
        global_model.load_state_dict(avg)
    global_model.eval()
    with torch.no_grad():
        logits = global_model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"round {rnd+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
