"""The tensor and op-graph routes, on real recorded runs (``train_small.py`` under ``traindoctor run``)."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

import traindoctor
from traindoctor.server.app import create_app

from .conftest import serving
from .synthetic import noisy_loss, write_scalar_run


@pytest.fixture(scope="module")
def client(logdir):
    with serving(create_app(logdir)) as c:
        yield c


def test_tensors_lists_the_recorded_tensors_with_steps_and_shapes(client):
    r = client.get("/api/tensors", params={"run": "healthy"})
    assert r.status_code == 200
    tensors = {t["name"]: t for t in r.json()["tensors"]}
    assert set(tensors) == {"0.weight", "4.weight", "6.weight"}  # the model's three weight matrices
    conv = tensors["0.weight"]
    assert conv["steps"] == [0, 1, 2, 5, 10, 20, 50, 60]  # log-spaced, and the final weights
    assert conv["shape"] == [4, 1, 3, 3] and conv["matrix"] == [4, 9] and conv["layout"] == "(out, in*kh*kw)"
    assert conv["source"] == "weight" and conv["reduced"] is None
    assert tensors["4.weight"]["reduced"]["to"] == [16, 128]  # 16x144: the columns are reduced by blocks


def test_one_tensor_at_one_step(client):
    d = client.get("/api/tensor", params={"run": "healthy", "name": "0.weight", "step": 5,
                                          "rows": "1:3", "cols": "2:6"}).json()
    assert d["step"] == 5 and d["steps"] == [0, 1, 2, 5, 10, 20, 50, 60]
    z = np.array(d["heatmap"]["z"])
    assert z.shape == (4, 9) and d["heatmap"]["rows"] == [0, 1, 2, 3] and d["heatmap"]["nonfinite"] == 0
    assert set(d["stats"]) >= {"mean", "std", "min", "max", "zero_frac", "nonfinite", "numel"}
    assert d["stats"]["numel"] == 36 and d["stats"]["nonfinite"] == 0
    assert d["stats"]["min"] == pytest.approx(z.min(), rel=1e-6) and d["stats"]["max"] == pytest.approx(z.max(), rel=1e-6)
    assert d["stats"]["mean"] == pytest.approx(z.mean(), rel=1e-4, abs=1e-7)
    assert d["slice"]["rows"] == [1, 3] and d["slice"]["cols"] == [2, 6]
    assert np.array_equal(np.array(d["slice"]["values"]), z[1:3, 2:6])
    assert d["slice"]["row_labels"] == ["1", "2"] and d["slice"]["col_labels"] == ["2", "3", "4", "5"]
    assert sum(d["histogram"]["counts"]) == 36 and len(d["histogram"]["edges"]) == 65
    prev = client.get("/api/tensor", params={"run": "healthy", "name": "0.weight", "step": 2}).json()
    assert d["previous"]["step"] == 2 and d["previous"]["stats"] == prev["stats"]
    np.testing.assert_allclose(np.array(d["previous"]["diff"]), z - np.array(prev["heatmap"]["z"]), atol=1e-7)
    assert prev["slice"]["rows"] == [0, 4] and prev["slice"]["cols"] == [0, 9]  # default: the first 16 x 16
    last = client.get("/api/tensor", params={"run": "healthy", "name": "0.weight"}).json()
    assert last["step"] == 60  # no step: the last one
    first = client.get("/api/tensor", params={"run": "healthy", "name": "0.weight", "step": 0}).json()
    assert first["previous"] is None


def test_a_block_reduced_tensor_says_so_and_offers_both_views(client):
    mean = client.get("/api/tensor", params={"run": "healthy", "name": "4.weight", "step": 0, "cols": "0:3"}).json()
    absmax = client.get("/api/tensor", params={"run": "healthy", "name": "4.weight", "step": 0, "cols": "0:3",
                                                "view": "absmax"}).json()
    assert mean["shape"] == [16, 144] and mean["matrix"] == [16, 144]
    assert mean["reduced"]["to"] == [16, 128] and mean["reduced"]["block"] == [1.0, 144 / 128]
    assert len(mean["heatmap"]["z"][0]) == 128 and mean["heatmap"]["cols"][:3] == [0, 1, 2]
    # 144 columns in 128 cells: each cell averages two columns, neighbours overlapping (adaptive pooling's bins)
    assert mean["slice"]["col_labels"] == ["0–1", "1–2", "2–3"]
    m, a = np.array(mean["heatmap"]["z"]), np.array(absmax["heatmap"]["z"])
    assert np.all(a >= np.abs(m) - 1e-7) and mean["stats"] == absmax["stats"]


def test_unknown_tensor_or_step_is_a_clear_404_and_bad_parameters_a_400(client):
    r = client.get("/api/tensor", params={"run": "healthy", "name": "nope"})
    assert r.status_code == 404
    assert r.json()["error"] == "no tensor 'nope' recorded in this run; recorded: 0.weight, 4.weight, 6.weight"
    r = client.get("/api/tensor", params={"run": "healthy", "name": "0.weight", "step": 3})
    assert r.status_code == 404
    assert r.json()["error"] == "tensor '0.weight' has no snapshot at step 3; recorded steps: 0, 1, 2, 5, 10, 20, 50, 60"
    for params, message in [({"step": "three"}, "step='three' is not an integer"),
                            ({"rows": "5:2"}, "selects nothing"), ({"cols": "a:b"}, "must be integers"),
                            ({"view": "absmax"}, "no block reduction"), ({"view": "max"}, "view must be one of"),
                            ({"name": ""}, "give the tensor's name")]:
        r = client.get("/api/tensor", params={"run": "healthy", "name": "0.weight", **params})
        assert r.status_code == 400 and message in r.json()["error"], (params, r.text)
    r = client.get("/api/tensor", params={"run": "no_such_run", "name": "0.weight"})
    assert r.status_code == 404 and "no such run" in r.json()["error"]


def test_non_finite_values_become_null(tmp_path):
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    with traindoctor.watch(model, logdir=str(tmp_path), name="nan") as td:
        t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        t[0, 1], t[2, 3] = float("nan"), float("-inf")
        td.tensor("bad", t, step=0)
        td.tensor("bad", torch.zeros(3, 4), step=1)
    with serving(create_app(str(tmp_path))) as c:
        r = c.get("/api/tensor", params={"run": "nan", "name": "bad", "step": 0})
        assert r.status_code == 200
        json.loads(r.text)  # strict JSON: no NaN or Infinity literals
        assert "NaN" not in r.text and "Infinity" not in r.text
        d = r.json()
        assert d["heatmap"]["z"][0][1] is None and d["heatmap"]["z"][2][3] is None and d["heatmap"]["z"][0][0] == 0
        assert d["slice"]["values"][0][1] is None and d["heatmap"]["nonfinite"] == 2
        assert d["stats"]["nonfinite"] == 2 and d["stats"]["mean"] is None and d["stats"]["std"] is None
        assert d["stats"]["numel"] == 12 and sum(d["histogram"]["counts"]) == 10
        later = c.get("/api/tensor", params={"run": "nan", "name": "bad", "step": 1}).json()
        assert later["previous"]["diff"][0][1] is None and later["previous"]["diff"][0][2] == -2.0


def test_opgraph_groups_ops_by_module_with_layers_and_edges(client):
    d = client.get("/api/opgraph", params={"run": "healthy"}).json()
    assert d["why_none"] is None and len(d["graphs"]) == 1
    g = d["graphs"][0]
    assert g["root"] == "Sequential" and g["step"] == 0 and not g["truncated"]
    ops = g["ops"]
    where = {(o["op"], o["module"]) for o in ops}
    assert {("aten.convolution", "0"), ("aten.relu", "2"), ("aten.addmm", "4"), ("aten.tanh", "5"),
            ("aten.addmm", "6")} <= where
    assert any(o["module"] == "1" and "batch_norm" in o["op"] for o in ops)
    for o in ops:
        for inp in o["in"]:
            if "from" in inp:
                src = ops[inp["from"][0]]
                assert src["layer"] < o["layer"] and o["id"] in src["users"]
                assert src["out"][inp["from"][1]]["shape"] == inp["shape"]
    conv = next(o for o in ops if o["op"] == "aten.convolution")
    tanh = next(o for o in ops if o["op"] == "aten.tanh")
    assert tanh["layer"] > conv["layer"] >= 0


def test_runs_without_tensors_or_op_graph_say_so(tmp_path):
    write_scalar_run(str(tmp_path / "scalars_only"), {"train/loss": noisy_loss(50)})
    with serving(create_app(str(tmp_path))) as c:
        assert c.get("/api/tensors", params={"run": "scalars_only"}).json() == {"tensors": []}
        d = c.get("/api/opgraph", params={"run": "scalars_only"}).json()
        assert d["graphs"] == [] and "recorded no op graph" in d["why_none"]
        r = c.get("/api/tensor", params={"run": "scalars_only", "name": "x"})
        assert r.status_code == 404 and "it recorded no tensors" in r.json()["error"]
