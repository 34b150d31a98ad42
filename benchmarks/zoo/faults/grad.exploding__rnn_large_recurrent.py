# A vanilla RNN with a large recurrent weight on long sequences: gradients explode.
import torch
from torch import nn

torch.manual_seed(12)
X = torch.randn(256, 60, 4)
y = (X[:, :, 0].sum(1) > 0).long()


class RNNClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(4, 32, nonlinearity="relu", batch_first=True)
        self.head = nn.Linear(32, 2)
        with torch.no_grad():
            self.rnn.weight_hh_l0.copy_(torch.eye(32) * 1.02 + 0.02 * torch.randn(32, 32))

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


model = RNNClassifier()
opt = torch.optim.SGD(model.parameters(), lr=1e-6)
for step in range(60):
    idx = torch.randint(0, 256, (32,))
    loss = nn.functional.cross_entropy(model(X[idx]), y[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
print(loss.item())
