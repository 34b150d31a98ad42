"""A recommender whose log numbers users and items from 1: the training set maps them to 0-based rows, the
evaluation passes the raw ids (probe J f16: validation RMSE 1.71 against 1.23 for predicting the mean). Every
evaluation id reads its neighbour's row, and the last one a row that never trained; nothing was found."""

SCRIPT = """
import numpy as np, torch, torch.nn as nn
rng = np.random.default_rng(0)
torch.manual_seed(0)
NU, NI, K = 200, 150, 4
U, I = rng.normal(0, 1, (NU, K)), rng.normal(0, 1, (NI, K))
n = 12000
uid, iid = rng.integers(1, NU + 1, n), rng.integers(1, NI + 1, n)  # 1-based, as in the log
r = torch.tensor((U[uid - 1] * I[iid - 1]).sum(1) + rng.normal(0, 0.3, n), dtype=torch.float32)
u0, i0 = torch.tensor(uid - 1), torch.tensor(iid - 1)

class MF(nn.Module):
    def __init__(self):
        super().__init__()
        self.P, self.Q = nn.Embedding(NU + 1, 8), nn.Embedding(NI + 1, 8)
    def forward(self, u, i):
        return (self.P(u) * self.Q(i)).sum(1)

model = MF()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(4):
    model.train()
    for k in range(0, 10000, 250):
        loss = ((model(u0[k:k + 250], i0[k:k + 250]) - r[k:k + 250]) ** 2).mean()
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        u_val, i_val = EVAL_IDS
        rmse = ((model(u_val, i_val) - r[10000:]) ** 2).mean().sqrt().item()
"""


def test_evaluation_ids_numbered_apart_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("EVAL_IDS", "torch.tensor(uid[10000:]), torch.tensor(iid[10000:])"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("data.preprocess_mismatch", "P"), top
    assert top["evidence"]["shift"] == 1 and top["evidence"]["train_ids"] == [0, 199], top


def test_evaluation_ids_encoded_alike_pass(diagnosed):
    _, report = diagnosed(SCRIPT.replace("EVAL_IDS", "u0[10000:], i0[10000:]"))
    assert not [f for f in report["findings"] if f["id"] == "data.preprocess_mismatch"], report["findings"]
