"""The dashboard in real Chromium: what a user sees on each panel. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import os
import time

import pytest

pytestmark = pytest.mark.browser


def shot(page, artifacts, name):
    page.screenshot(path=os.path.join(artifacts, f"dashboard-{name}.png"), full_page=True)


def open_panel(page, live_server, run, panel=None, compare=None):
    frag = f"run={run}" + (f"&panel={panel}" if panel else "") + (f"&compare={','.join(compare)}" if compare else "")
    page.goto(f"{live_server.url}/#{frag}")
    page.wait_for_selector(f"#panel[data-ready{'=' + repr(panel) if panel else ''}]", timeout=30_000)


def test_runs_list(page, live_server, artifacts):
    page.goto(live_server.url + "/")
    page.wait_for_selector("tr[data-run='bn_eval']")
    rows = page.locator(".runs-table tr[data-run]")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.run)")) == \
        ["bn_eval", "crashed", "group/healthy2", "healthy", "lr_big"]
    assert page.locator("tr[data-run='crashed'] .status").inner_text() == "crashed"
    assert page.locator("tr[data-run='healthy'] td").nth(3).inner_text() == "60"
    # The top finding fills in once the server has diagnosed the run.
    page.wait_for_function("document.querySelector(\"tr[data-run='bn_eval'] td:last-child\").innerText === 'graph.node_mode'")
    assert page.locator("tr[data-run='healthy'] td:last-child").inner_text() == "no finding"
    page.select_option("#run-sort", "newest")
    order = rows.evaluate_all("rs => rs.map(r => r.dataset.run)")
    assert order[0] == "group/healthy2"  # recorded last
    page.fill("#run-filter", "health")
    assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.run)")) == ["group/healthy2", "healthy"]
    shot(page, artifacts, "runs")
    assert not page.errors


def test_run_with_findings_lands_on_checklist_top_finding_first(page, live_server, artifacts):
    open_panel(page, live_server, "bn_eval")
    assert page.locator("#panel").get_attribute("data-ready") == "checklist"
    first = page.locator("section.finding").first
    assert first.get_attribute("data-id") == "graph.node_mode" and first.get_attribute("data-rank") == "1"
    assert "at 1" in first.inner_text()  # the BatchNorm, module "1"
    body = page.evaluate("fetch('/api/report?run=bn_eval').then(r => r.json())")
    shown = page.locator("section.finding").evaluate_all("ss => ss.map(s => s.dataset.id)")
    assert shown == [f["id"] for f in body["report"]["findings"]]  # the ranking of the report, in order
    evidence_plots = [k for k in body["figures"] if k.startswith("finding-")]
    assert "finding-0" in evidence_plots  # the top finding comes with the plot of its evidence
    for key in evidence_plots:  # each finding's evidence plot is drawn under it
        page.wait_for_selector(f"#plot-{key} .main-svg")
    assert page.locator("section.finding .plot").count() == len(evidence_plots)
    assert page.locator("table.checklist tr[data-id='graph.node_mode'] td.st").inner_text() == "fail"
    assert page.locator("table.checklist tr[data-id]").count() >= 30
    shot(page, artifacts, "checklist")
    assert not page.errors


def test_healthy_run_lands_on_scalars_with_a_loss_chart(page, live_server, artifacts):
    open_panel(page, live_server, "healthy")
    assert page.locator("#panel").get_attribute("data-ready") == "scalars"
    chart = page.locator(".scalar-chart[data-tag='train/loss']")
    page.wait_for_function("(+document.querySelector(\".scalar-chart[data-tag='train/loss']\")?.dataset.points) > 0")
    assert int(chart.get_attribute("data-points")) == 60
    n_traces = chart.evaluate("d => d.data.filter(t => t.y.length === 60).length")
    assert n_traces == 2  # raw and smoothed
    # Zoom: the chart asks the server for that window only.
    chart.evaluate("d => Plotly.relayout(d, {'xaxis.range': [10, 19]})")
    page.wait_for_function("document.querySelector(\".scalar-chart[data-tag='train/loss']\").dataset.points === '10'")
    xs = chart.evaluate("d => d.data[0].x")
    assert xs == list(range(10, 20))
    page.select_option("#threshold-tag", "train/loss")
    page.fill("#threshold", "0.6")
    page.dispatch_event("#threshold", "change")
    page.wait_for_function("document.querySelector(\".scalar-chart[data-tag='train/loss']\").data.some(t => t.mode === 'markers')")
    marked = chart.evaluate("d => d.data.find(t => t.mode === 'markers').y")
    assert marked and all(v > 0.6 for v in marked)
    assert page.locator(".scalar-chart[data-tag='train/acc']").evaluate("d => d.data.every(t => t.mode !== 'markers')")
    shot(page, artifacts, "scalars")
    page.check("#log-y")
    page.wait_for_function("document.querySelector(\".scalar-chart[data-tag='train/loss']\").layout.yaxis.type === 'log'")
    page.select_option("#x-axis", "relative")  # seconds since the first point: a fresh, unzoomed fetch
    page.wait_for_function("document.querySelector(\".scalar-chart[data-tag='train/loss']\").dataset.points === '60'")
    xs = chart.evaluate("d => d.data[0].x")
    assert xs[0] == 0 and xs == sorted(xs) and 0 < xs[-1] < 600
    page.select_option("#x-axis", "wall")
    page.wait_for_function("document.querySelector(\".scalar-chart[data-tag='train/loss']\").layout.xaxis.title.text === 'time'")
    assert not page.errors


def test_compare_overlays_runs(page, live_server, artifacts):
    open_panel(page, live_server, "healthy", "scalars", compare=["healthy", "lr_big"])
    page.wait_for_function("(+document.querySelector(\".scalar-chart[data-tag='train/loss']\")?.dataset.points) === 120")
    names = page.locator(".scalar-chart[data-tag='train/loss']").evaluate("d => d.data.map(t => t.name)")
    assert "healthy" in names and "lr_big" in names
    shot(page, artifacts, "compare")


def test_distribution_view(page, live_server, artifacts):
    open_panel(page, live_server, "healthy", "distributions")
    page.wait_for_selector("#hist-heatmap .main-svg")
    heat = page.locator("#hist-heatmap")
    assert heat.evaluate("d => d.data[0].type") == "heatmap"
    assert int(heat.get_attribute("data-rows")) >= 2
    row_sums = heat.evaluate("d => d.data[0].z.map(r => r.reduce((a, b) => a + (b || 0), 0))")
    assert row_sums == pytest.approx([36] * len(row_sums), rel=1e-6)  # conv weight: 4*1*3*3 values per step
    assert int(page.locator("#dist-stats").get_attribute("data-points")) == 60
    page.select_option("#dist-key", "4.weight")
    page.wait_for_function("document.querySelector('#hist-heatmap').data[0].z[0].reduce((a, b) => a + (b || 0), 0) === 2304")
    shot(page, artifacts, "distributions")
    assert not page.errors


def test_activations_view(page, live_server, artifacts):
    open_panel(page, live_server, "healthy", "activations")
    page.wait_for_selector("#act-overview .main-svg")
    page.select_option("#act-key", "2")  # the ReLU
    page.wait_for_function("document.querySelector('#act-fracs').data.some(t => t.name === 'dead_frac' && t.y.length >= 5)")
    dead = page.locator("#act-fracs").evaluate("d => d.data.find(t => t.name === 'dead_frac').y")
    # every step records each module output's mean; the fractions come on the collector's full steps (the
    # first five, then on its budget's cadence), and the chart joins them across the steps between
    measured = [v for v in dead if v is not None]
    assert len(measured) >= 5 and all(0 <= v <= 1 for v in measured)
    mean = page.locator("#act-stats").evaluate("d => d.data.find(t => t.name === 'mean').y")
    recorded = page.evaluate("async () => (await (await fetch('/api/table?run=healthy&name=activation&key=2')).json())"
                             ".step.length")
    assert len(dead) == len(mean) == recorded > len(measured)
    assert all(v is not None for v in mean)
    overview = page.locator("#act-overview").evaluate("d => d.data[0].z.flat().filter(v => v !== null).length")
    assert overview >= len(measured)  # the ReLU's column of the all-modules heatmap (its measured steps)
    shot(page, artifacts, "activations")
    assert not page.errors


def test_graph_marks_the_finding_on_the_right_node(page, live_server, artifacts):
    open_panel(page, live_server, "bn_eval", "graph")
    flagged = page.locator(".node.flagged")
    assert flagged.count() == 1
    assert flagged.get_attribute("data-name") == "1"
    assert "graph.node_mode" in flagged.inner_text() and "BatchNorm2d" in flagged.inner_text()
    assert "eval mode while training" in flagged.inner_text()
    assert "graph.node_mode" not in page.locator(".node[data-name='0']").inner_text()
    assert "2,402 params" in page.locator(".node[data-name='Sequential']").inner_text()
    # A location naming a parameter marks the module that owns it (the deepest name that prefixes it).
    owners = page.evaluate("""async () => {
        const { nodeFor } = await import('/static/panels/graph.js');
        const names = new Set(['Sequential', '4', 'enc', 'enc.layer1', 'enc.layer10']);
        return [nodeFor('4.weight', names), nodeFor('enc.layer10.bias', names), nodeFor('enc.layer1', names),
                nodeFor('data.column3', names), nodeFor(null, names)];
    }""")
    assert owners == ["4", "enc.layer10", "enc.layer1", None, None]
    page.fill("#graph-search", "linear")
    assert sorted(page.locator(".node.hit").evaluate_all("ns => ns.map(n => n.dataset.name)")) == ["4", "6"]
    shot(page, artifacts, "graph")
    assert not page.errors


def test_data_view(page, live_server, artifacts):
    open_panel(page, live_server, "healthy", "data")
    assert page.locator("canvas.example").count() >= 2
    assert page.locator("canvas.example").first.get_attribute("title").startswith("label ")
    assert page.locator("#batches tr").count() > 5
    page.wait_for_selector("#label-dist .main-svg")
    assert sorted(page.locator("#label-dist").evaluate("d => d.data.map(t => t.name)")) == ["eval", "train"]
    assert page.locator("#role-compare th").nth(1).inner_text() in ("train", "eval")
    shot(page, artifacts, "data")
    assert not page.errors


def test_hparams_view(page, live_server, artifacts):
    open_panel(page, live_server, "healthy", "hparams")
    text = page.locator("#panel").inner_text()
    assert "Optimizer 0: SGD" in text and "torch" in text
    assert page.locator("table.kv tr:has(th:text-is('lr')) td").first.inner_text() == "0.05"
    started = page.locator("table.kv tr:has(th:text-is('start_time')) td").inner_text()
    assert ":" in started and "e+" not in started  # a date and time, not seconds since 1970
    shot(page, artifacts, "hparams")
    assert not page.errors


def test_missing_run_shows_a_message(page, live_server, artifacts):
    page.goto(f"{live_server.url}/#run=../../etc")
    page.wait_for_selector("#message:not([hidden])")
    assert "'..' is not allowed" in page.locator("#message").inner_text()
    page.goto(f"{live_server.url}/#run=no_such_run")
    page.wait_for_function("document.querySelector('#message').innerText.includes('no such run')")
    assert "Traceback" not in page.content()
    shot(page, artifacts, "missing-run")


def test_tick_two_runs_and_compare(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector("tr[data-run='lr_big']")
    page.check("tr[data-run='healthy'] input.pick")
    page.check("tr[data-run='lr_big'] input.pick")
    page.wait_for_timeout(5500)  # the list refreshes every 5 s: the ticks must survive it
    assert page.is_checked("tr[data-run='lr_big'] input.pick")
    page.click("#compare-btn")
    page.wait_for_function("(+document.querySelector(\".scalar-chart[data-tag='train/loss']\")?.dataset.points) === 120")
    assert "compare=healthy%2Clr_big" in page.url or "compare=healthy,lr_big" in page.url


def test_live_run_updates_without_reload(page, tmp_path, artifacts):
    from traindoctor.server.app import create_app

    from .conftest import LiveServer, record

    proc = record(str(tmp_path), "live", "--steps", "100000", "--sleep", "0.02")
    try:
        deadline = time.time() + 90
        while time.time() < deadline and not (tmp_path / "live" / "rank0.tdr").exists():
            time.sleep(0.1)
        app = create_app(str(tmp_path))
        app.state.store.refresh_interval = 0.2
        with LiveServer(app) as srv:
            page.goto(f"{srv.url}/#run=live&panel=scalars")
            page.wait_for_function("(+document.querySelector(\".scalar-chart[data-tag='train/loss']\")?.dataset.total) > 0",
                                   timeout=60_000)
            before = int(page.locator(".scalar-chart[data-tag='train/loss']").get_attribute("data-total"))
            page.wait_for_function(f"(+document.querySelector(\".scalar-chart[data-tag='train/loss']\").dataset.total) > {before}",
                                   timeout=60_000)
            assert "live" in page.locator("#live").inner_text()
            assert page.locator("tr[data-run='live'] .status").inner_text() == "running"
            shot(page, artifacts, "live")
            assert not page.errors
    finally:
        proc.terminate()
        proc.communicate(timeout=60)


def test_damaged_and_empty_runs_show_a_message(page, tmp_path, artifacts):
    from traindoctor.server.app import create_app

    from .conftest import LiveServer
    from .synthetic import noisy_loss, write_histogram_run, write_scalar_run

    write_histogram_run(str(tmp_path / "histonly"))
    loss = noisy_loss(500)
    loss[200:210] = float("nan")
    write_scalar_run(str(tmp_path / "torn"), {"train/loss": loss})
    with open(tmp_path / "torn" / "rank0.tdr", "r+b") as fh:  # flip bytes inside the first record
        fh.seek(30)
        fh.write(b"\xff\xff\xff\xff")
    (tmp_path / "empty").mkdir()
    with LiveServer(create_app(str(tmp_path))) as srv:
        page.goto(f"{srv.url}/#run=torn&panel=scalars")
        page.wait_for_selector("#panel[data-ready='scalars']")
        assert "damaged" in page.locator("#message").inner_text()
        page.wait_for_function("(+document.querySelector(\".scalar-chart[data-tag='train/loss']\")?.dataset.total) === 500")
        title = page.locator(".scalar-chart[data-tag='train/loss'] .gtitle").text_content()
        assert "10 NaN/Inf" in title
        shot(page, artifacts, "damaged-run")
        page.goto(f"{srv.url}/#run=histonly&panel=distributions")  # histograms without per-step tables
        page.wait_for_selector("#hist-heatmap .main-svg")
        assert page.locator("#hist-heatmap").get_attribute("data-rows") == "3"
        assert "no per-step weight statistics" in page.locator("#dist-stats").inner_text()
        page.goto(f"{srv.url}/#run=empty")
        page.wait_for_function("document.querySelector('#message').innerText.includes('not a run directory')")
        assert not page.errors
