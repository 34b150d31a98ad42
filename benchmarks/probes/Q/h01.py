# MLP (64-128-128-10) on 8x8 digits, SGD momentum 0.9; micro-batches of 16 with 4-step gradient
# accumulation under a static loss scale of 4096 (as in fp16 training): the scaled, averaged loss is
# backpropagated, the gradients are unscaled before clipping (max norm 5) and the step
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(21)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X / 16.0, y, test_size=0.25, random_state=21, stratify=y)
Xtr, Xva = torch.tensor(Xtr, dtype=torch.float32), torch.tensor(Xva, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=16, shuffle=True)

model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
SCALE, ACCUM = 4096.0, 4
for epoch in range(15):
    model.train(); tot = 0.0
    opt.zero_grad()
    for i, (xb, yb) in enumerate(loader):
        loss = F.cross_entropy(model(xb), yb)
        (loss * SCALE / ACCUM).backward()
        tot += loss.item() * len(xb)
        if (i + 1) % ACCUM == 0:
            for p in model.parameters():
                p.grad.div_(SCALE)
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=5.0)
            opt.step(); opt.zero_grad()
    model.eval()
    with torch.no_grad():
        logits = model(Xva)
        vl = F.cross_entropy(logits, yva).item()
        acc = (logits.argmax(1) == yva).float().mean().item()
    print(f"epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
