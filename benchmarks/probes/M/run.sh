#!/bin/bash
# Records every probe script under traindoctor and writes its JSON diagnosis, one script at a time, into
# RUNS (default /tmp/probeM-runs); then `python3 summarize.py RUNS` scores them against INDEX.md.
# OMP_NUM_THREADS=1: on 2 busy cores, two OpenMP threads ran these scripts 5-10x slower than one.
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${1:-/tmp/probeM-runs}
TD=${TD:-$HERE/../../../.venv/bin/traindoctor}
export OMP_NUM_THREADS=1
rm -rf "$RUNS" && mkdir -p "$RUNS"
declare -A TARGET=(
  [f01.py]="val_acc=0.95" [f02.py]="val_acc=0.78" [f03.py]="val_acc=0.95" [f04.py]="val_acc=0.95"
  [f05.py]="val_acc=0.93" [f06.py]="val_acc=0.82" [f07.py]="val_acc=0.95" [f08.py]="val_acc=0.93"
  [f09.py]="val_acc=0.95" [f10.py]="val_acc=0.95" [f11.py]="val_acc=0.85" [f12.py]="val_acc=0.93"
  [f13.py]="val_acc=0.93" [f14.py]="val_acc=0.88"
  [h01.py]="val_acc=0.90" [h02.py]="val_acc=0.95" [h03.py]="val_acc=0.88" [h04.py]="val_acc=0.97"
  [h05.py]="val_loss=0.55" [h06.py]="val_acc=0.93"
)
cd "$HERE"
for s in f*.py h*.py; do
  echo "=== $s (${TARGET[$s]})"
  start=$(date +%s)
  "$TD" run --logdir "$RUNS" --name "$s" --target "${TARGET[$s]}" --no-summary "$s" > "$RUNS/$s.out" 2>&1
  echo "exit $? in $(( $(date +%s) - start )) s; last line: $(tail -1 "$RUNS/$s.out")"
  "$TD" doctor "$RUNS/$s" --format json > "$RUNS/$s.json"
done
