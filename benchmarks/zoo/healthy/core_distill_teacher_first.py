"""Knowledge distillation on digits: train a teacher MLP, freeze it, then train a small
student with KL(student/T || teacher/T) * T^2 + CE."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

torch.manual_seed(7)
X, y = load_digits(return_X_y=True)
Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=7, stratify=y)
sc = StandardScaler().fit(Xtr)
Xtr, Xte = (torch.tensor(sc.transform(a), dtype=torch.float32) for a in (Xtr, Xte))
ytr, yte = torch.tensor(ytr), torch.tensor(yte)
loader = DataLoader(TensorDataset(Xtr, ytr), batch_size=64, shuffle=True)


def accuracy(m):
    m.eval()
    with torch.no_grad():
        return (m(Xte).argmax(1) == yte).float().mean().item()


teacher = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Dropout(0.2),
                        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
t_opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
for epoch in range(10):
    teacher.train()
    for xb, yb in loader:
        t_opt.zero_grad()
        F.cross_entropy(teacher(xb), yb).backward()
        t_opt.step()
print(f"teacher test acc {accuracy(teacher):.4f}")

teacher.eval()
teacher.requires_grad_(False)

student = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
s_opt = torch.optim.Adam(student.parameters(), lr=3e-3)
T, alpha = 4.0, 0.7
for epoch in range(20):
    student.train()
    for xb, yb in loader:
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        kd = F.kl_div(F.log_softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1),
                      reduction="batchmean") * T * T
        ce = F.cross_entropy(s_logits, yb)
        loss = alpha * kd + (1 - alpha) * ce
        s_opt.zero_grad()
        loss.backward()
        s_opt.step()
    if epoch % 5 == 4:
        print(f"student epoch {epoch+1} loss {loss.item():.4f} test acc {accuracy(student):.4f}")

print(f"final teacher_acc={accuracy(teacher):.4f} student_acc={accuracy(student):.4f}")
