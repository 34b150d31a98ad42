"""Every symptom id is found in the top 3 of its fault scripts, at the right place and step;
healthy scripts get no warning or error. The scripts are the zoo's (``benchmarks/zoo``)."""
from __future__ import annotations

import pytest

from traindoctor.checks import ids

from ..conftest import ZOO, doctor_json, td

FAULTS = sorted(p for p in (ZOO / "faults").glob("*.py") if p.name.split("__")[0] in ids.SYMPTOMS)
HEALTHY = sorted((ZOO / "healthy").glob("core_*.py"))

#: where the finding must point, and from which step, for scripts whose fault has one place
EXPECTED = {
    "loss.nan_inf__digits_mse_lr_huge": {"step_range": (2, 40)},
    "tensor.overflow__std_normalise_zero_divisor": {"location": "0", "step": 0},
    "tensor.overflow__log_of_negative_feature": {"location": "0", "step": 0},
    "weight.not_updating__layer_missing_from_optimizer": {"location": "encoder.0.weight"},
    "weight.not_updating__branch_not_connected": {"location": "b.0.weight"},
    "activation.dead_relu__negative_bias": {"location": "1", "step": 0},
    "activation.dead_relu__functional_relu_killed": {"location": "CNN.relu[0]", "step": 0},
    "activation.saturated__sigmoid_unscaled_inputs": {"location": "1", "step": 0},
    "activation.saturated__tanh_large_init": {"location_in": ("Net.tanh[0]", "Net.tanh[1]")},
    "grad.vanishing__deep_sigmoid_mlp": {"location": "0.weight"},
    "grad.vanishing__tanh_tiny_init": {"location_in": ("blocks.0.weight", "blocks.1.weight")},
    "weight.change_too_small__adam_lr_1e-7": {"location": "0.weight"},
}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every zoo script run and diagnosed once, two at a time with one torch thread each
    (the scripts are small: two single-threaded runs finish sooner than two two-threaded ones in turn)."""
    from concurrent.futures import ThreadPoolExecutor

    logdir = tmp_path_factory.mktemp("zoo")
    env = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

    def one(script):
        proc = td("run", "--logdir", str(logdir), "--name", script.stem, "--no-summary", str(script),
                  cwd=script.parent, env=env)
        if proc.returncode != 0:
            return script.stem, proc.stderr[-2000:]
        return script.stem, doctor_json(logdir / script.stem)

    with ThreadPoolExecutor(2) as pool:
        return dict(pool.map(one, FAULTS + HEALTHY))


def _run(script, reports):
    report = reports[script.stem]
    assert isinstance(report, dict), report
    return report


@pytest.mark.slow
@pytest.mark.parametrize("script", FAULTS, ids=[p.stem for p in FAULTS])
def test_fault_script_finds_its_symptom_in_the_top_3(script, reports):
    report = _run(script, reports)
    expected = script.name.split("__")[0]
    top = [f for f in report["findings"] if f["severity"] != "info"][:3]
    assert expected in [f["id"] for f in top], [(f["id"], f["title"]) for f in report["findings"][:5]]
    finding = next(f for f in top if f["id"] == expected)
    where = EXPECTED.get(script.stem, {})
    if "location" in where:
        assert finding["location"] == where["location"], finding
    if "location_in" in where:
        assert finding["location"] in where["location_in"], finding
    if "step" in where:
        assert finding["step"] == where["step"], finding
    if "step_range" in where:
        lo, hi = where["step_range"]
        assert lo <= finding["step"] <= hi, finding
    assert finding["evidence"] and finding["advice"]
    statuses = {c["id"]: c["status"] for c in report["checklist"]}
    assert statuses[expected] in ("warn", "fail")


@pytest.mark.slow
@pytest.mark.parametrize("script", HEALTHY, ids=[p.stem for p in HEALTHY])
def test_healthy_script_gets_no_warning(script, reports):
    report = _run(script, reports)
    loud = [(f["id"], f["title"]) for f in report["findings"] if f["severity"] in ("warning", "error")]
    assert loud == []
    assert {c["id"] for c in report["checklist"]} == set(ids.ALL_IDS)
