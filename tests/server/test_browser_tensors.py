"""The Tensors panel and the op view of the Model graph panel, in real Chromium. Screenshots go to tests/artifacts/."""
from __future__ import annotations

import pytest

from .test_browser import open_panel, shot

pytestmark = pytest.mark.browser


def test_tensor_view_shows_statistics_heatmap_slice_histogram_and_change(page, live_server, artifacts):
    open_panel(page, live_server, "healthy", "tensors")
    page.wait_for_selector("#tensor-heatmap .main-svg")
    heat = page.locator("#tensor-heatmap")
    assert heat.evaluate("d => d.data[0].type") == "heatmap"
    assert page.locator("#panel").get_attribute("data-tensor") == "0.weight"
    assert page.locator("#panel").get_attribute("data-step") == "60"  # the last recorded step first
    assert heat.get_attribute("data-cells") == "36"  # the conv weight 4x1x3x3 as a 4x9 matrix, every value
    assert heat.evaluate("d => [d.data[0].z.length, d.data[0].z[0].length]") == [4, 9]
    assert "(out, in*kh*kw)" in page.locator("#tensor-info").inner_text()
    assert page.locator("#tensor-stats-table tr[data-field='numel'] td").first.inner_text() == "36"
    assert page.locator("#tensor-slice-values tr").count() == 5  # a header row and the 4 rows of the matrix
    assert int(float(page.locator("#tensor-hist").get_attribute("data-total"))) == 36
    # the step slider: step 5, compared with step 2
    page.locator("#tensor-step").evaluate("s => { s.value = 3; s.dispatchEvent(new Event('change')); }")
    page.wait_for_function("document.querySelector('#panel').dataset.step === '5'")
    assert page.locator("#tensor-step-label").inner_text() == "step 5"
    page.wait_for_selector("#tensor-diff-heatmap .main-svg")
    assert page.locator("#tensor-diff-heatmap").get_attribute("data-cells") == "36"
    assert "change since step 2" in page.locator("#tensor-diff-heatmap .gtitle").text_content()
    assert page.locator("#tensor-stats-table tr").first.inner_text().split("\t")[1:] == ["step 5", "step 2"]
    shot(page, artifacts, "tensors")
    # a matrix wider than 128 columns: block-reduced, and the page says so; its largest-magnitude view
    page.select_option("#tensor-name", "4.weight")
    page.wait_for_function("document.querySelector('#panel').dataset.tensor === '4.weight'")
    assert "stored as 16×128 blocks" in page.locator("#tensor-info").inner_text()
    page.wait_for_function("document.querySelector('#tensor-heatmap').dataset.cells === '2048'")
    page.select_option("#tensor-view", "absmax")
    page.wait_for_function("document.querySelector('#tensor-heatmap .gtitle').textContent.includes('block max |x|')")
    assert heat.evaluate("d => d.data[0].z.flat().every(v => v >= 0)")
    # the slice follows the inputs
    page.fill("#tensor-rows", "2:5")
    page.dispatch_event("#tensor-rows", "change")
    page.wait_for_function("document.querySelectorAll('#tensor-slice-values tr').length === 4")
    assert page.locator("#tensor-slice-values tr").nth(1).locator("th").inner_text() == "2"
    shot(page, artifacts, "tensors-reduced")
    assert not page.errors


def test_graph_toggles_to_the_op_graph_with_findings_and_search(page, live_server, artifacts):
    open_panel(page, live_server, "bn_eval", "graph")
    assert page.locator("#panel").get_attribute("data-mode") == "modules"
    page.click("#graph-mode button[data-mode='ops']")
    page.wait_for_selector("#op-list .op")
    assert page.locator("#graph-modules").is_hidden()
    n_ops = page.locator("#op-list .op").count()
    assert n_ops >= 8 and page.locator("#op-dag").get_attribute("data-ops") == str(n_ops)
    page.wait_for_selector("#op-dag .main-svg")
    assert page.locator(".op-group[data-module='0'] .op[data-name='aten.convolution']").count() == 1
    assert page.locator(".op-group[data-module='6'] .op[data-name='aten.addmm']").count() == 1
    # the finding at module "1" (BatchNorm in eval mode while training) marks that module's ops
    flagged = page.locator(".op-group.flagged")
    assert flagged.count() >= 1
    assert set(flagged.evaluate_all("gs => gs.map(g => g.dataset.module)")) == {"1"}
    assert "graph.node_mode" in flagged.first.inner_text() and "BatchNorm2d" in flagged.first.inner_text()
    assert "batch_norm" in flagged.first.inner_text()
    # the convolution reads its weight and the batch; clicking it marks the ops that read its output
    conv = page.locator(".op[data-name='aten.convolution']")
    assert "0.weight" in conv.inner_text() and "input [32, 1, 8, 8]" in conv.inner_text()
    conv.click()
    assert "selected" in conv.get_attribute("class")
    assert page.locator("#op-list .op.dst").count() >= 1
    assert page.locator("#op-list .op.dst").first.evaluate("r => r.closest('.op-group').dataset.module") == "1"
    page.fill("#op-search", "addmm")
    page.wait_for_function("document.querySelector('#op-list').dataset.hits === '2'")
    assert sorted(page.locator(".op.hit").evaluate_all("rs => rs.map(r => r.closest('.op-group').dataset.module)")) == ["4", "6"]
    shot(page, artifacts, "graph-ops")
    page.click("#graph-mode button[data-mode='modules']")
    assert page.locator("#model-tree").is_visible() and page.locator("#graph-ops").is_hidden()
    assert not page.errors
