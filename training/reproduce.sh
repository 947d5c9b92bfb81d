#!/bin/bash
# Reproduces the shipped model: mine every repository of training/repos.txt, train, export to models/.
#
#   training/reproduce.sh [CLONES] [DATA]
#
# CLONES holds one full-history clone per repository as CLONES/OWNER+NAME/repo (a bare or mirror clone
# is enough; a missing one is cloned with `git clone --mirror`). DATA (default /work/data) receives
# mined/OWNER+NAME.jsonl and mined/OWNER+NAME.summary.json (HEAD, refs, counts, seconds), train.log and the
# checkpoints under run/. Mining walks every ref and is resumable: repositories mined with the same merges are skipped. Training runs with the shipped
# model's flags (one thread, 45 minutes, validation every 9 minutes: the schedule and the evaluations follow
# the clock, so another machine's speed gives a nearby, not a bit-identical, checkpoint); TRAIN_FLAGS
# replaces them. The ranker over candidate texts (rank_candidates.py: five heads, 8 epochs, features only, a "none of
# these" row, as shipped) trains on DATA/mined and on the repositories of training/ranker-repos.txt, mined into
# DATA/mined-more. The export is then scored and its threshold calibrated with `mergebert eval` on the
# validation repositories (validation_report.py), whose figures go into models/MODEL_CARD.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLONES=${1:-/work/.mirror}
DATA=${2:-/work/data}
PYTHON=${PYTHON:-$ROOT/training/.venv/bin/python}
mkdir -p "$DATA/mined" "$DATA/mined-more"

swift build -c release --package-path "$ROOT" --product mergebert
BIN=$(swift build -c release --package-path "$ROOT" --show-bin-path)/mergebert

# Every ref (pull-request branches included), one repository after the other, each on every core; a
# repository already mined with the same merges is skipped (DATA/mined/OWNER+NAME.summary.json records its
# HEAD, refs, merges, regions and seconds).
for list in repos.txt ranker-repos.txt; do
  for repo in $(sed -e 's/#.*//' "$ROOT/training/$list" | awk 'NF {print $1}'); do
    dir=$CLONES/${repo/\//+}/repo
    [ -d "$dir" ] || git clone --mirror "https://github.com/$repo.git" "$dir"
  done
done
"$BIN" mine --repos "$ROOT/training/repos.txt" --clones "$CLONES" --all-refs --out "$DATA/mined" 2>> "$DATA/mine.log"
"$BIN" mine --repos "$ROOT/training/ranker-repos.txt" --clones "$CLONES" --all-refs --out "$DATA/mined-more" 2>> "$DATA/mine.log"

TRAIN_FLAGS=${TRAIN_FLAGS:---threads 1 --max-minutes 45 --eval-minutes 9}
"$PYTHON" "$ROOT/training/train.py" --data "$DATA/mined" --out "$DATA/run" $TRAIN_FLAGS 2>&1 | tee "$DATA/train.log"
"$PYTHON" "$ROOT/training/export.py" --checkpoint "$DATA/run/best.pt" --data "$DATA/mined" --out "$ROOT/models"
# The shipped ranker leaves out the edit layout's features (EditLayout.featureNames), which mine writes.
LAYOUT="edit_alternations edits_on_separate_lines edits_token_gap lines_changed_by_both ours_edit_size ours_edits theirs_edit_size theirs_edits"
"$PYTHON" "$ROOT/training/rank_candidates.py" --data "$DATA/mined" "$DATA/mined-more" --heads 5 --epochs 8 --none-candidate --without $LAYOUT \
  --export "$ROOT/models/ranker.json" --json "$DATA/ranker.json" 2>&1 | tee "$DATA/ranker.log"
"$PYTHON" "$ROOT/training/validation_report.py" --model "$ROOT/models" --clones "$CLONES" --out "$DATA/validation" \
  --binary "$BIN" --calibrate > "$DATA/validation.md"
cat "$DATA/validation.md" >> "$ROOT/models/MODEL_CARD.md"
