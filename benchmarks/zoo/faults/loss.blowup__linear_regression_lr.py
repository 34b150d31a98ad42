# Linear regression with plain gradient descent whose step size is just above the stable limit: the loss diverges.
import torch

torch.manual_seed(2)
X = torch.randn(256, 8) * torch.linspace(0.5, 3.0, 8)
w_true = torch.randn(8, 1)
y = X @ w_true + 0.1 * torch.randn(256, 1)
w = torch.zeros(8, 1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr = 0.12
for step in range(40):
    loss = ((X @ w + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
    if step % 10 == 0:
        print(step, loss.item())
