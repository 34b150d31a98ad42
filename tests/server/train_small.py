"""A small real training script for the dashboard tests: a CNN on random 8x8 images.

Faults are planted through flags: ``--lr`` (too large), ``--bn-eval`` (model.train()
forgotten after evaluation: BatchNorm in eval mode while training), ``--crash-at STEP`` (an exception mid-training), ``--sleep`` (a slow,
live run).
"""
import argparse
import time

import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.05)
p.add_argument("--steps", type=int, default=60)
p.add_argument("--bn-eval", action="store_true")
p.add_argument("--crash-at", type=int, default=-1)
p.add_argument("--sleep", type=float, default=0.0)
args = p.parse_args()

torch.manual_seed(0)
X = torch.randn(512, 1, 8, 8)
y = (X.mean(dim=(1, 2, 3)) > 0).long()
ds = torch.utils.data.TensorDataset(X, y)
train_loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)
val_loader = torch.utils.data.DataLoader(ds, batch_size=64)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
                      nn.Linear(4 * 36, 16), nn.Tanh(), nn.Linear(16, 2))
opt = torch.optim.SGD(model.parameters(), lr=args.lr)
step = 0
model.train()
while step < args.steps:
    if not args.bn_eval:  # --bn-eval: model.train() forgotten after the first evaluation
        model.train()
    for xb, yb in train_loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        step += 1
        if step == args.crash_at:
            raise RuntimeError("planted crash")
        if args.sleep:
            time.sleep(args.sleep)
        if step >= args.steps:
            break
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            nn.functional.cross_entropy(model(xb), yb)
