# 1-D CNN (3 conv blocks with BatchNorm, global average pooling) on synthetic noisy waveforms of 5 shapes
# (sine, square, triangle, sawtooth, pulse train; random frequency, phase, amplitude and offset),
# AdamW with a linear decay of the learning rate to zero over the run, stepped once per batch
import numpy as np, torch, torch.nn as nn
torch.manual_seed(11); rng = np.random.default_rng(11)
L, C, EPOCHS, BATCH = 128, 5, 12, 64

def waves(n):
    y = rng.integers(0, C, size=n)
    t = np.linspace(0, 1, L)[None, :]
    f = rng.uniform(2, 7, size=(n, 1)); ph = rng.uniform(0, 1, size=(n, 1))
    u = (f * t + ph) % 1.0
    shapes = np.stack([np.sin(2 * np.pi * u), np.sign(u - 0.5), 4 * np.abs(u - 0.5) - 1,
                       2 * u - 1, (u < 0.15).astype(float) * 2 - 1])
    x = shapes[y, np.arange(n)] * rng.uniform(0.5, 2.0, size=(n, 1)) + rng.normal(0, 0.5, size=(n, 1))
    x = x + rng.normal(0, 0.4, size=x.shape)
    return torch.tensor(x[:, None, :], dtype=torch.float32), torch.tensor(y)

Xtr, ytr = waves(6000)
Xva, yva = waves(1500)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=BATCH, shuffle=True)

def block(cin, cout, k):
    return nn.Sequential(nn.Conv1d(cin, cout, k, padding=k // 2), nn.BatchNorm1d(cout), nn.ReLU())

model = nn.Sequential(block(1, 24, 7), nn.MaxPool1d(2), block(24, 48, 5), nn.MaxPool1d(2), block(48, 64, 5),
                      nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(64, C))
opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-2)
sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0, end_factor=0.0)
crit = nn.CrossEntropyLoss()

for epoch in range(EPOCHS):
    model.train(); tot = 0.0
    for xb, yb in loader:
        loss = crit(model(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        tot += loss.item() * len(yb)
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        vloss = crit(out, yva).item(); acc = (out.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} lr {sched.get_last_lr()[0]:.2e} train_loss {tot/len(ytr):.4f} val_loss {vloss:.4f} val_acc {acc:.3f}")
