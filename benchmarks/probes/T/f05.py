"""GRU on synthetic sensor sequences (4 motion classes), trained with a hand-written Adam step."""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
np.random.seed(0)

N, T, C = 3000, 40, 3
t = np.linspace(0, 1, T)
y = np.random.randint(0, 4, N)
freq = np.array([2.0, 4.0, 2.0, 4.0])[y] + np.random.uniform(-0.3, 0.3, N)
phase = np.random.uniform(0, 2 * np.pi, (N, 1))
X = np.stack([np.sin(2 * np.pi * freq[:, None] * t + phase),
              np.where(y[:, None] >= 2, 1.0, -1.0) * t * 2 + np.cos(2 * np.pi * freq[:, None] * t + phase),
              np.random.randn(N, T) * 0.3], axis=2)
X = (X + 0.4 * np.random.randn(N, T, C)).astype(np.float32)
Xtr, ytr = torch.tensor(X[:2400]), torch.tensor(y[:2400])
Xva, yva = torch.tensor(X[2400:]), torch.tensor(y[2400:])


class GRUClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(C, 48, batch_first=True)
        self.head = nn.Linear(48, 4)

    def forward(self, x):
        _, h = self.gru(x)
        return self.head(h[-1])


model = GRUClassifier()
params = [p for p in model.parameters() if p.requires_grad]
state = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
LR, BETA1, BETA2, EPS, BATCH = 3e-3, 0.9, 0.999, 1e-8, 64


@torch.no_grad()
def adam_step(step):
    for p, (m, v) in zip(params, state):
        g = p.grad
        m.mul_(BETA1).add_(g, alpha=1 - BETA1)
        v.mul_(BETA2).addcmul_(g, g, value=1 - BETA2)
        m_hat = m / (1 - BETA1 ** step)
        v_hat = v / (1 - BETA2 ** step)
        p.sub_(LR * m_hat / (v_hat + EPS))


step = 0
for epoch in range(1, 13):
    model.train()
    perm = torch.randperm(len(Xtr))
    total = 0.0
    for i in range(0, len(Xtr), BATCH):
        idx = perm[i:i + BATCH]
        for p in params:
            p.grad = None
        loss = F.cross_entropy(model(Xtr[idx]), ytr[idx])
        loss.backward()
        step += 1
        adam_step(step)
        total += loss.item() * len(idx)
    model.eval()
    with torch.no_grad():
        out = model(Xva)
        val_loss = F.cross_entropy(out, yva).item()
        val_acc = (out.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch} train_loss {total / len(Xtr):.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
print(f"val_acc {val_acc:.3f}")
