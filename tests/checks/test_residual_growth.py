"""Residual blocks at full scale: 16 blocks of x + fc2(relu(fc1(x))) with Kaiming init and no normalisation. Each
layer's own gain is the textbook one, so hparam.init_scale passed, but the stream grows 1.7x per block (4000x in
all) and the loss went NaN at the second step; the report blamed a learning rate of 0.01 and listed 'model outputs
all whole numbers' (logits of 2^23 and more are)."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler
from torch.utils.data import TensorDataset, DataLoader
torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X = StandardScaler().fit_transform(X)
loader = DataLoader(TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y)), batch_size=64, shuffle=True)

class Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(d, d), nn.Linear(d, d)
        for fc in (self.fc1, self.fc2):
            nn.init.kaiming_normal_(fc.weight, nonlinearity="relu"); nn.init.zeros_(fc.bias)
        if FIXUP:
            nn.init.zeros_(self.fc2.weight)
    def forward(self, x):
        return x + self.fc2(torch.relu(self.fc1(x)))

model = nn.Sequential(nn.Linear(64, 64), nn.Sequential(*[Block(64) for _ in range(16)]), nn.Linear(64, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(2):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    print(epoch, loss.item())
"""


def test_activations_compounding_across_residual_blocks_are_found(diagnosed):
    _, report = diagnosed(SCRIPT.replace("FIXUP", "False"))
    top = report["findings"][0]
    assert (top["id"], top["location"], top["step"]) == ("hparam.init_scale", "1.15", 0), top
    assert top["title"].startswith("Activations grow") and "across 16 repeated blocks" in top["title"], top
    assert top["evidence"]["first_block"] == "1.0" and top["evidence"]["growth_per_block"] > 1.5
    ids = [f["id"] for f in report["findings"] if f["severity"] != "info"]
    assert "graph.wrong_operator" not in ids and "hparam.lr_too_large" not in ids, ids


def test_zero_initialised_branches_are_healthy(diagnosed):
    _, report = diagnosed(SCRIPT.replace("FIXUP", "True"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]


def test_a_post_norm_transformer_encoder_passes(diagnosed):
    body = '''
import torch, torch.nn as nn
torch.manual_seed(0)
X = torch.randn(512, 16, 32); y = (X[:, :, 0].mean(1) > 0).long()
enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(32, 4, 64, batch_first=True), 8, enable_nested_tensor=False)
head = nn.Linear(32, 2)
opt = torch.optim.Adam(list(enc.parameters()) + list(head.parameters()), lr=1e-3)
for i in range(0, 512, 32):
    loss = nn.functional.cross_entropy(head(enc(X[i:i + 32]).mean(1)), y[i:i + 32])
    opt.zero_grad(); loss.backward(); opt.step()
'''
    _, report = diagnosed(body)
    assert not [f for f in report["findings"] if f["id"] == "hparam.init_scale"], report["findings"]


def test_a_skip_added_twice_is_named_in_the_advice(diagnosed):
    # out = x + branch; return out + x (probe J f09): with the branches zero at init, exactly 2x per block
    body = SCRIPT.replace("FIXUP", "True").replace("return x + self.fc2(torch.relu(self.fc1(x)))",
                                                  "out = x + self.fc2(torch.relu(self.fc1(x)))\n        return out + x")
    _, report = diagnosed(body)
    top = report["findings"][0]
    assert top["id"] == "hparam.init_scale" and abs(top["evidence"]["growth_per_block"] - 2.0) < 0.05, top
    assert top["advice"].startswith("A growth of 2x per block is the input added to the stream twice"), top["advice"]
