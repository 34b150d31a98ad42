"""Gradient growth is judged within each training phase, not across a change of task.

Probe K h03: an autoencoder pre-trained with MSE (gradient norm 0.047), then a linear probe and a fine-tuning
with cross-entropy on the encoder (norms near 1-9), each with its own optimizer. grad.exploding reported an
error, "global norm 0.0466 → 8.78", for a run at 0.94 against its 0.92 target."""
from __future__ import annotations

SCRIPT = '''
import torch, torch.nn as nn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

torch.manual_seed(0)
X, y = load_digits(return_X_y=True)
X_tr, X_va, y_tr, y_va = train_test_split(X / 16.0, y, test_size=0.25, random_state=0, stratify=y)
X_tr, X_val = torch.tensor(X_tr, dtype=torch.float32), torch.tensor(X_va, dtype=torch.float32)
y_tr, y_val = torch.tensor(y_tr), torch.tensor(y_va)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)

encoder = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU())
decoder = nn.Sequential(nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 64), nn.Sigmoid())
ae_opt = torch.optim.Adam(list(encoder.parameters()) + list(decoder.parameters()), lr=2e-3)
for epoch in range(8):
    for xb, _ in loader:
        ae_opt.zero_grad(); rec = nn.functional.mse_loss(decoder(encoder(xb)), xb); rec.backward(); ae_opt.step()
print(f"autoencoder recon mse {rec.item():.4f}")

head = nn.Linear(32, 10)
model = nn.Sequential(encoder, head)
crit = nn.CrossEntropyLoss()
def evaluate():
    model.eval()
    with torch.no_grad():
        out = model(X_val)
        return crit(out, y_val).item(), (out.argmax(1) == y_val).float().mean().item()

for p in encoder.parameters():
    p.requires_grad = False
opt = torch.optim.Adam(head.parameters(), lr=5e-3)
for epoch in range(5):
    model.train()
    for xb, yb in loader:
        opt.zero_grad(); loss = crit(model(xb), yb); loss.backward(); opt.step()
vl, va = evaluate(); print(f"linear probe val_loss {vl:.4f} val_acc {va:.3f}")

for p in encoder.parameters():
    p.requires_grad = True
opt = torch.optim.Adam([{"params": encoder.parameters(), "lr": 3e-4}, {"params": head.parameters(), "lr": 1e-3}])
for epoch in range(5):
    model.train()
    for xb, yb in loader:
        opt.zero_grad(); loss = crit(model(xb), yb); loss.backward(); opt.step()
    vl, va = evaluate()
    if epoch % 3 == 2:
        print(f"finetune epoch {epoch+1} loss {loss.item():.4f} val_loss {vl:.4f} val_acc {va:.3f}")
print(f"FINAL val_acc={va:.3f}")
'''


def test_phases_have_their_own_gradient_scale(diagnosed):
    run_dir, report = diagnosed(SCRIPT)
    from traindoctor.record import open_run

    assert len(open_run(str(run_dir)).events("phase")) == 2
    bad = [(f["id"], f["title"]) for f in report["findings"] if f["severity"] != "info"]
    assert not bad, bad
    assert {c["id"]: c for c in report["checklist"]}["grad.exploding"]["status"] == "pass"
