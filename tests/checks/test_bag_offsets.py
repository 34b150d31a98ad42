"""EmbeddingBag offsets that are the bags' lengths, not their starts (``[0] + lens[:-1]`` without ``.cumsum(0)``):
no bag holds its own document and the loss stays at ln K (probe S f01, data.label_errors led; on two threads
PyTorch's kernel may also stop at step 0 with "Expected i < index_size", which this finding then explains). The
cumulative offsets pass."""

SCRIPT = """
import sys, numpy as np, torch, torch.nn as nn
threads = torch.get_num_threads(); torch.set_num_threads(1)  # (two threads may stop the faulty kernel)
rng = np.random.default_rng(0); torch.manual_seed(0)
V, K = 300, 4
docs = [rng.integers(k * 70, k * 70 + 70, size=rng.integers(8, 30)) for k in rng.integers(0, K, 1200)]
ys = [int(d[0] // 70) for d in docs]
def collate(batch):
    lens = [len(d) for d, _ in batch]
    offsets = torch.tensor([0] + lens[:-1])
    return (torch.cat([torch.tensor(d) for d, _ in batch]),
            offsets.cumsum(0) if sys.argv[1] == "cumsum" else offsets, torch.tensor([y for _, y in batch]))
loader = torch.utils.data.DataLoader(list(zip(docs, ys)), batch_size=32, shuffle=True, collate_fn=collate)
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(V, 16, mode="mean"); self.out = nn.Linear(16, K)
    def forward(self, ids, offsets):
        return self.out(self.emb(ids, offsets))
model = Net()
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(3):
    for ids, offsets, y in loader:
        loss = nn.functional.cross_entropy(model(ids, offsets), y)
        opt.zero_grad(); loss.backward(); opt.step()
    print(f"epoch {epoch} loss {loss.item():.3f}")
torch.set_num_threads(threads)
"""


def _found(report):
    return [f for f in report["findings"] if f["id"] == "api.constraint_violation" and "offsets" in f["title"]]


def test_offsets_that_are_lengths_are_found(diagnosed):
    _, report = diagnosed(SCRIPT, "lengths")
    found = _found(report)
    assert found and report["findings"][0]["id"] == "api.constraint_violation", report["findings"]
    ev = found[0]["evidence"]
    assert found[0]["location"] == "emb" and ev["bags"] == 32 and ev["first_offsets"][0] == 0, ev


def test_cumulative_offsets_pass(diagnosed):
    _, report = diagnosed(SCRIPT, "cumsum")
    assert not _found(report), _found(report)
