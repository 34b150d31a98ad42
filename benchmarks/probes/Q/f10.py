# Knowledge distillation on 8x8 digits: a wide MLP teacher (64-256-256-10) is trained first, then a
# small student (64-32-10) learns from the teacher's softened outputs (T=4) plus the labels; Adam
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
torch.manual_seed(20)
X, y = load_digits(return_X_y=True)
Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.25, random_state=20, stratify=y)
mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-6
Xtr, Xva = torch.tensor((Xtr - mu) / sd, dtype=torch.float32), torch.tensor((Xva - mu) / sd, dtype=torch.float32)
ytr, yva = torch.tensor(ytr), torch.tensor(yva)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)

def evaluate(net):
    net.eval()
    with torch.no_grad():
        logits = net(Xva)
        return F.cross_entropy(logits, yva).item(), (logits.argmax(1) == yva).float().mean().item()

teacher = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
for epoch in range(10):
    teacher.train()
    for xb, yb in loader:
        loss = F.cross_entropy(teacher(xb), yb)
        opt.zero_grad(); loss.backward(); opt.step()
    vl, acc = evaluate(teacher)
    print(f"teacher epoch {epoch+1} val_loss {vl:.4f} val_acc {acc:.3f}")

T, ALPHA = 4.0, 0.7
student = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
teacher.eval()
opt = torch.optim.Adam(teacher.parameters(), lr=2e-3)
for epoch in range(20):
    student.train(); tot = 0.0
    for xb, yb in loader:
        with torch.no_grad():
            soft = F.softmax(teacher(xb) / T, dim=1)
        out = student(xb)
        kd = F.kl_div(F.log_softmax(out / T, dim=1), soft, reduction="batchmean") * T * T
        loss = ALPHA * kd + (1 - ALPHA) * F.cross_entropy(out, yb)
        opt.zero_grad(); loss.backward(); opt.step()
        tot += loss.item() * len(xb)
    vl, acc = evaluate(student)
    print(f"student epoch {epoch+1} train_loss {tot/len(Xtr):.4f} val_loss {vl:.4f} val_acc {acc:.3f}")
