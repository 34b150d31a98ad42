"""Sparse gradients (``Embedding(sparse=True)``, ``EmbeddingBag(sparse=True)`` with ``SparseAdam``) are recorded
as the dense tensors they stand for. The dense reductions refuse them: they were left out, and the table that
got no gradient row was reported as not connected to the loss (an error on a healthy run)."""
from __future__ import annotations

import numpy as np
import torch

import traindoctor
from traindoctor.collect.stats import sparse_stats, tensor_stats
from traindoctor.record.run import TENSOR_FIELDS

from ..conftest import doctor_json


def _sparse(indices, values, size):
    return torch.sparse_coo_tensor(torch.tensor(indices), torch.tensor(values), size, check_invariants=True)


def test_sparse_stats_are_the_dense_tensors_stats():
    cases = [
        _sparse([[0, 2, 2, 5]], [1.5, -2.0, 0.5, 3.0], (8,)),             # uncoalesced: index 2 twice
        _sparse([[0, 1], [1, 0]], [-4.0, -1.0], (3, 2)),                  # all stored values negative
        _sparse([[0, 1, 2]], [1.0, 2.0, 3.0], (3,)),                      # every element stored
        torch.sparse_coo_tensor(torch.zeros((1, 0), dtype=torch.long), torch.zeros(0), (5,)),  # nothing stored
        _sparse([[0, 1], [1, 2]], [0.0, 7.0], (4, 3)),                    # a stored zero
    ]
    got = sparse_stats(cases).numpy()
    want = tensor_stats([c.to_dense() for c in cases]).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_a_sparse_embedding_gradient_is_recorded_every_step(tmp_path):
    torch.manual_seed(0)
    emb = torch.nn.EmbeddingBag(50, 4, mode="sum", sparse=True)
    head = torch.nn.Linear(4, 2)
    opt_emb = torch.optim.SparseAdam(list(emb.parameters()), lr=1e-2)
    opt_head = torch.optim.Adam(head.parameters(), lr=1e-2)
    X, y = torch.randint(0, 50, (40, 3)), torch.randint(0, 2, (40,))
    dense = []
    with traindoctor.watch([emb, head], logdir=str(tmp_path), name="s"):
        for i in range(0, 40, 8):
            loss = torch.nn.functional.cross_entropy(head(emb(X[i:i + 8])), y[i:i + 8])
            opt_emb.zero_grad(); opt_head.zero_grad()
            loss.backward()
            dense.append(emb.weight.grad.to_dense().clone())
            opt_emb.step(); opt_head.step()
    run = traindoctor.open_run(str(tmp_path / "s"))
    g = run.table("grad")
    name = next(k for k in g.keys if k.endswith("weight") and "Linear" not in k and not k.startswith("1"))
    rows = np.nonzero(g.key == g.keys.index(name))[0]
    assert list(g.step[rows]) == list(range(5))
    norm = g.values[rows, g.fields.index("norm")]
    np.testing.assert_allclose(norm, [float(d.norm()) for d in dense], rtol=1e-5)
    first = g.values[rows[0]]  # a full step: every statistic
    zero = float((dense[0] == 0).float().mean())
    assert abs(first[TENSOR_FIELDS.index("zero_frac")] - zero) < 1e-6 and zero > 0.5
    assert not run.events("grad_missing")


def test_a_sparse_embedding_run_is_not_called_disconnected(run_script):
    proc, run_dir = run_script("""
import torch
from torch import nn
torch.manual_seed(0)
X = torch.randint(0, 300, (2048, 8)); y = (X < 30).any(1).long()
emb = nn.Embedding(300, 16, sparse=True)
head = nn.Linear(16, 2)
o1 = torch.optim.SparseAdam(list(emb.parameters()), lr=1e-2); o2 = torch.optim.Adam(head.parameters(), lr=1e-2)
for i in range(0, 2048, 64):
    loss = nn.functional.cross_entropy(head(emb(X[i:i + 64]).sum(1)), y[i:i + 64])
    o1.zero_grad(); o2.zero_grad(); loss.backward(); o1.step(); o2.step()
""")
    assert proc.returncode == 0, proc.stderr
    report = doctor_json(run_dir)
    status = {c["id"]: c["status"] for c in report["checklist"]}
    assert status["graph.node_connection"] == "pass" and status["grad.vanishing"] == "pass", \
        [(f["id"], f["title"]) for f in report["findings"]]
