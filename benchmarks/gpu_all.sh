#!/usr/bin/env bash
# The GPU checks in one go, for a machine with a CUDA device and PyTorch but no install of traindoctor:
# the CUDA tests, the host synchronisations by call site, the kernels the recording adds, and the overhead
# tables.
#   benchmarks/gpu_all.sh OUTDIR [ROUNDS]
set -u
out=${1:-gpu-results}
rounds=${2:-20}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  $py -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"; } > "$out/gpu.txt" 2>&1
cat "$out/gpu.txt"
echo "== tests"; timeout 150 $py -m pytest -q -p no:cacheprovider tests/collect/test_cuda.py > "$out/tests.txt" 2>&1
tail -3 "$out/tests.txt"
echo "== syncs"; timeout 120 $py benchmarks/gpu_syncs.py --json "$out/syncs.json" > "$out/syncs.txt" 2>&1
grep -E "^## |/step" "$out/syncs.txt" | head -40
echo "== profile"; timeout 150 $py benchmarks/gpu_profile.py > "$out/profile.txt" 2>&1
grep -vE "^\s+[0-9.]+ us/step" "$out/profile.txt" | tail -12
echo "== overhead"; timeout 300 $py benchmarks/overhead.py --rounds "$rounds" --warmup 50 --json "$out/overhead.json" \
  > "$out/overhead.txt" 2>&1
tail -8 "$out/overhead.txt"
