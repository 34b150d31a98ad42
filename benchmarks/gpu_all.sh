#!/usr/bin/env bash
# The GPU checks in one go, for a machine with a CUDA device and PyTorch but no install of traindoctor:
# the CUDA tests, the host synchronisations by call site, the overhead tables (recording; watchpoints),
# and where the host's time goes (the training thread's profile).
#   benchmarks/gpu_all.sh OUTDIR [ROUNDS] [STEPS]
# (blocks of STEPS steps, 30 by default: a block begins with the device idle, and the first step after the
# collector is switched on pays its set-up, which a short block would count against the recording)
set -u
out=${1:-gpu-results}
rounds=${2:-10}
steps=${3:-30}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
if ! $py -c "import torch, sys; sys.exit(not torch.cuda.is_available())" 2>/dev/null; then
  echo "gpu_all.sh: $py sees no CUDA device" >&2
  exit 1
fi
{ nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  $py -c "import torch; print('torch', torch.__version__, torch.cuda.get_device_name(0))"; } > "$out/gpu.txt" 2>&1
cat "$out/gpu.txt"
echo "== tests"; timeout 150 $py -m pytest -q -p no:cacheprovider tests/collect/test_cuda.py > "$out/tests.txt" 2>&1
tail -3 "$out/tests.txt"
echo "== overhead"; timeout 200 $py benchmarks/overhead.py --rounds "$rounds" --steps "$steps" --warmup 50 --json "$out/overhead.json" \
  > "$out/overhead.txt" 2>&1
tail -6 "$out/overhead.txt"
echo "== watchpoints"; timeout 100 $py benchmarks/debugger_overhead.py --device cuda --min-step-ms 10 --threads 16 \
  --rounds "$rounds" --steps "$steps" --warmup 50 --json "$out/debugger.json" > "$out/debugger.txt" 2>&1
tail -4 "$out/debugger.txt"
echo "== syncs"; timeout 60 $py benchmarks/gpu_syncs.py --steps 30 --warmup 40 --json "$out/syncs.json" > "$out/syncs.txt" 2>&1
grep -E "^## " "$out/syncs.txt"
echo "== host profile"; timeout 60 $py benchmarks/gpu_profile.py --host --steps 50 --warmup 40 \
  --models "transformer 2x128 seq64 b32" "mlp 784-512-512-10 b512" > "$out/host_profile.txt" 2>&1
echo "done"
