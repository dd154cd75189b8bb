#!/usr/bin/env bash
# Appendix A.9 on a GPU machine: does pick_device() choose CUDA, do 00b and 00c still pass strict nbval
# (their saved outputs come from the CPU), and does the book's mp.spawn script run?
#
#   bash tools/gpu_check.sh            # from the repository root; PYTHON=... to use another interpreter
#
# With one GPU the spawn script runs two gloo ranks on the CPU (the book needs two GPUs for NCCL);
# with two or more, one NCCL rank per GPU (then 00b's DDP cells print other losses than the saved ones).
# Without Jupyter (nbval), tools/nb_replay.py re-runs the notebooks' cells in plain Python and compares
# what they print with the saved outputs. Exit status: non-zero if any step failed. About 2-4 minutes.
set -u
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3
export LLMFS_DATA_DIR=${LLMFS_DATA_DIR:-/work/shared/data}
unset LLMFS_DEVICE  # the book's rule: CUDA, then MPS, then the CPU
status=0
step() { echo "== $*"; }

step "machine"
nvidia-smi -L 2>/dev/null || echo "nvidia-smi: not found"
"$PYTHON" - <<'EOF' || status=1
import torch
from helpers.appendix_a.devices import pick_device
print("torch", torch.__version__, "| CUDA available:", torch.cuda.is_available(), "| GPUs:", torch.cuda.device_count())
device = pick_device()
print("pick_device():", device)
assert device.type == ("cuda" if torch.cuda.is_available() else "cpu"), "pick_device() does not follow the book's rule"
x = torch.tensor([1.0, 2.0, 3.0], device=device)
print("a sum on", device.type, "=", (x + x).tolist())
EOF

step "the book's mp.spawn script, standalone"
timeout 300 "$PYTHON" -m helpers.appendix_a.ddp_spawn --epochs 3 || status=1

NOTEBOOKS="notebooks/00b-appendix-a9-devices-and-ddp.ipynb notebooks/00c-going-further-ddp-faults.ipynb"
TESTS="tests/test_devices.py tests/test_ddp.py tests/test_nb_replay.py"
KEEP=(-k "not crashing and not stuck and not launch_timeout")
DEVICE=$("$PYTHON" -c 'from helpers.appendix_a.devices import pick_device; print(pick_device())')
if "$PYTHON" -c "import nbval" 2>/dev/null; then
    step "00b and 00c under strict nbval, on $DEVICE"
    timeout 600 "$PYTHON" -m pytest -q -p no:cacheprovider $NOTEBOOKS $TESTS "${KEEP[@]}" || status=1
else  # no Jupyter here (a GPU image's own Python): replay the cells and compare their printed outputs
    step "00b and 00c replayed without Jupyter (tools/nb_replay.py), on $DEVICE"
    timeout 600 "$PYTHON" tools/nb_replay.py $NOTEBOOKS || status=1
    PYTHONPATH=. timeout 600 "$PYTHON" -m pytest -q -p no:cacheprovider -o addopts="" $TESTS "${KEEP[@]}" || status=1
fi

echo "== gpu_check: $([ $status = 0 ] && echo passed || echo FAILED)"
exit $status
