#!/bin/bash
# Records every probe script under traindoctor and writes its JSON diagnosis, one script at a time, into
# RUNS (default /tmp/probeO-runs); then `python3 summarize.py RUNS` scores them against INDEX.md.
HERE=$(cd "$(dirname "$0")" && pwd)
RUNS=${1:-/tmp/probeO-runs}
TD=${TD:-$HERE/../../../.venv/bin/traindoctor}
export OMP_NUM_THREADS=1
rm -rf "$RUNS" && mkdir -p "$RUNS"
declare -A T=([f01]="--target val_acc=0.95" [f02]="--target val_acc=0.93" [f03]="--target val_loss=0.025" [f04]="--target val_acc=0.95"
 [f05]="--target val_acc=0.94" [f06]="--target val_acc=0.93" [f07]="--target val_acc=0.95" [f08]="--target val_acc=0.95"
 [f09]="--target val_acc=0.95" [f10]="--target val_loss=9.5" [h01]="--target val_loss=0.01" [h02]="--target val_acc=0.94"
 [h03]="--target val_acc=0.95" [h04]="--target val_acc=0.93")
cd "$HERE"
for s in f01 f02 f03 f04 f05 f06 f07 f08 f09 f10 h01 h02 h03 h04; do
  "$TD" run --logdir "$RUNS" --name $s --no-summary ${T[$s]} $s.py > "$RUNS/$s.out" 2>&1
  "$TD" doctor "$RUNS/$s" --format json > "$RUNS/$s.json"
done
