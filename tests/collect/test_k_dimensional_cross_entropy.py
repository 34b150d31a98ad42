"""A tagger's logits given to cross_entropy as (N, C, L) with labels (N, L), PyTorch's K-dimensional form (probe I
08a: logits.permute(0, 2, 1)): the report had no accuracy at all ('no accuracy metric', the class checks not
checked), while the same model with the logits flattened to (N * L, C) got its verdict."""

SCRIPT = """
import torch, torch.nn as nn
torch.manual_seed(0)
V, C, L = 40, 5, 12
tokens = torch.randint(1, V, (1200, L))
tags = tokens % C
tags[:, -3:] = -100  # padding, ignored by the loss
model = nn.Sequential(nn.Embedding(V, 32), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, C))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

def loss_of(x, y):
    out = model(x)
    if PERMUTE:
        return nn.functional.cross_entropy(out.permute(0, 2, 1), y, ignore_index=-100)
    return nn.functional.cross_entropy(out.reshape(-1, C), y.reshape(-1), ignore_index=-100)

for epoch in range(4):
    model.train()
    for i in range(0, 1000, 50):
        loss = loss_of(tokens[i:i + 50], tags[i:i + 50])
        opt.zero_grad(); loss.backward(); opt.step()
    model.eval()
    with torch.no_grad():
        loss_of(tokens[1000:], tags[1000:])
"""


def test_permuted_and_flattened_taggers_get_the_same_accuracy(diagnosed):
    stages = {}
    for permute in (True, False):
        _, report = diagnosed(SCRIPT.replace("PERMUTE", str(permute)))
        stages[permute] = {s["stage"]: s for s in report["accuracy"]["stages"]}
        checks = {c["id"]: c for c in report["checklist"]}
        assert checks["data.label_errors"]["status"] != "not_checked", checks["data.label_errors"]
        assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
    for stage in ("train", "val"):
        perm, flat = stages[True][stage], stages[False][stage]
        assert perm["final"] > 0.95 and abs(perm["final"] - flat["final"]) < 1e-6, (perm, flat)
        assert abs(perm["reference"] - flat["reference"]) < 1e-6, (perm, flat)
