# Stateful GRU forecaster (truncated backpropagation through time) on one long synthetic series (two
# incommensurate oscillations with a slowly drifting amplitude, plus noise): the series is cut into
# 16 parallel streams read in order, 40 steps at a time, the hidden state carried from chunk to chunk
# and detached at each chunk boundary; batches are NOT shuffled (the state needs the order); Adam;
# predicts the next value; val_loss = next-step MSE on the last 20% of the series, read the same way
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
rng = np.random.default_rng(104); torch.manual_seed(104)
N = 40000
t = np.arange(N)
amp = 1.0 + 0.5 * np.sin(2 * np.pi * t / 5000)
series = amp * np.sin(2 * np.pi * t / 37.0) + 0.6 * np.sin(2 * np.pi * t / 11.3 + 0.5) + 0.1 * rng.normal(size=N)
series = torch.tensor(series, dtype=torch.float32)
split = int(0.8 * N)
STREAMS, CHUNK = 16, 40

def batchify(s):
    n = len(s) // STREAMS
    return s[:n * STREAMS].view(STREAMS, n)       # (streams, time), each row a contiguous stretch

train, val = batchify(series[:split]), batchify(series[split:])

class Forecaster(nn.Module):
    def __init__(self, h=64):
        super().__init__()
        self.gru = nn.GRU(1, h, batch_first=True)
        self.out = nn.Linear(h, 1)
    def forward(self, x, h=None):
        o, h = self.gru(x.unsqueeze(-1), h)
        return self.out(o).squeeze(-1), h

def run(model, data, opt=None):
    h, tot, n = None, 0.0, 0
    for i in range(0, data.size(1) - 1 - CHUNK, CHUNK):
        x, y = data[:, i:i + CHUNK], data[:, i + 1:i + 1 + CHUNK]
        pred, h = model(x, h)
        h = h.detach()
        loss = F.mse_loss(pred, y)
        if opt is not None:
            opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * y.numel(); n += y.numel()
    return tot / n

model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(12):
    model.train()
    tl = run(model, train, opt)
    model.eval()
    with torch.no_grad():
        vl = run(model, val)
    print(f"epoch {epoch+1} train_loss {tl:.4f} val_loss {vl:.4f}")
