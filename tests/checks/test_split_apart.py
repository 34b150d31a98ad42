"""train_test_split(shuffle=False) on data sorted by class (probe J f04, wine): class 2 is 89% of the validation
data and absent from training. The report led with data.label_errors, and data.class_imbalance passed."""

SCRIPT = """
import torch, torch.nn as nn
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split
X, y = load_wine(return_X_y=True)
X = (X - X.mean(0)) / X.std(0)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.3, SPLIT)
t = lambda a, d: torch.tensor(a, dtype=d)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(t(X_tr, torch.float32), t(y_tr, torch.long)),
                                     batch_size=16, shuffle=True)
val = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(t(X_va, torch.float32), t(y_va, torch.long)),
                                  batch_size=64)
torch.manual_seed(0)
model = nn.Sequential(nn.Linear(13, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(15):
    model.train()
    for xb, yb in loader:
        opt.zero_grad(); nn.functional.cross_entropy(model(xb), yb).backward(); opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val:
            nn.functional.cross_entropy(model(xb), yb)
"""


def test_a_class_only_in_validation_leads(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SPLIT", "shuffle=False"))
    top = report["findings"][0]
    assert (top["id"], top["location"]) == ("data.not_shuffled", "train/validation split"), top
    assert top["evidence"]["classes_only_in_evaluation"] == [2] and top["title"].startswith("Class 2 is 8"), top


def test_a_shuffled_stratified_split_passes(diagnosed):
    _, report = diagnosed(SCRIPT.replace("SPLIT", "random_state=0, stratify=y"))
    assert not [f for f in report["findings"] if f["severity"] != "info"], report["findings"]
