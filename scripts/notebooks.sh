#!/usr/bin/env bash
# Install the Deno Jupyter kernel into the project's venv and execute the notebooks headless.
#
#   scripts/notebooks.sh install            write kernel.json for node_modules/deno/deno and
#                                           `jupyter kernelspec install --sys-prefix` it (kernel "netsec-deno")
#   scripts/notebooks.sh run [nb.ipynb …]   execute notebooks (default: notebooks/*.ipynb) with nbclient;
#                                           fails on any cell error or a missing expected output
#   scripts/notebooks.sh all [nb.ipynb …]   install, then run (default)
#
# Environment: NETSEC_VENV (default $NETSEC_CACHE/venv, ~/.cache/netsec/venv), NETSEC_NOTEBOOK_OUT (executed copies,
# default test-results/notebooks), NETSEC_NOTEBOOK_TIMEOUT (seconds per cell, default 600),
# plus what the notebooks read: NETSEC_DATA, NETSEC_ARTIFACTS, NETSEC_MODEL_DIR,
# NETSEC_EXPERIMENT, MLFLOW_TRACKING_URI (05_tracking; unset: the local run log, no server needed;
# the DagsHub variables work too).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${NETSEC_VENV:-${NETSEC_CACHE:-$HOME/.cache/netsec}/venv}"
PY="$VENV/bin/python"
DENO="$ROOT/node_modules/deno/deno"
KERNEL=netsec-deno
OUT="${NETSEC_NOTEBOOK_OUT:-$ROOT/test-results/notebooks}"
TIMEOUT="${NETSEC_NOTEBOOK_TIMEOUT:-600}"

die() { echo "notebooks.sh: $*" >&2; exit 1; }

install_kernel() {
  [ -x "$PY" ] || die "no Python venv at $VENV: run scripts/setup.sh first"
  [ -x "$DENO" ] || die "no Deno at $DENO: run npm ci first"
  "$PY" -c "import jupyter_client, nbclient" 2>/dev/null || die "jupyter_client/nbclient missing in $VENV: run scripts/setup.sh"
  local dir
  dir="$(mktemp -d)"
  trap 'rm -rf "$dir"' RETURN
  mkdir -p "$dir/$KERNEL"
  "$PY" - "$DENO" "$dir/$KERNEL/kernel.json" <<'PY'
import json, sys
deno, target = sys.argv[1], sys.argv[2]
spec = {
    "argv": [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
    "display_name": "Deno (netsec)",
    "language": "typescript",
    "metadata": {"netsec": "kernel for the netsec notebooks, Deno from node_modules"},
}
with open(target, "w") as f:
    json.dump(spec, f, indent=2)
PY
  "$VENV/bin/jupyter" kernelspec install --sys-prefix --replace --name "$KERNEL" "$dir/$KERNEL" >/dev/null
  echo "installed kernel $KERNEL ($("$DENO" --version | sed -n 1p)) into $VENV/share/jupyter/kernels/$KERNEL"
}

run_notebooks() {
  local notebooks=("$@")
  if [ ${#notebooks[@]} -eq 0 ]; then
    notebooks=("$ROOT"/notebooks/*.ipynb)
  fi
  [ -e "${notebooks[0]}" ] || die "no notebooks found"
  mkdir -p "$OUT"
  "$PY" - "$KERNEL" "$OUT" "$TIMEOUT" "${notebooks[@]}" <<'PY'
import json, os, re, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

kernel, out_dir, timeout, paths = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]

def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            parts.append(str(out.get("data", {}).get("text/plain", "")))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "".join(parts)

failures = []
for path in paths:
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    started = time.time()
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    problem = None
    try:
        client.execute()
    except CellExecutionError as error:
        problem = f"cell error: {error.ename}: {error.evalue}"
        if not str(error.evalue).strip() or error.evalue == "Execution failed":
            problem += (" (the kernel sent no error details: outputs published after the cell's idle status"
                        " are dropped; run the notebook's code cells as a script with deno run -A to see the error)")
    except Exception as error:  # kernel died, timeout …
        problem = f"{type(error).__name__}: {error}"
    nbformat.write(nb, os.path.join(out_dir, name))
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if problem is None:
        for i, cell in enumerate(code_cells):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                problem = f"code cell {i + 1}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
                break
    if problem is None:
        expected = [(i, c) for i, c in enumerate(code_cells) if c.get("metadata", {}).get("netsec", {}).get("expect")]
        if not expected or expected[-1][1] is not code_cells[-1]:
            problem = "the last code cell has no metadata.netsec.expect pattern"
        for i, cell in expected:
            pattern = cell["metadata"]["netsec"]["expect"]
            text = output_text(cell)
            if not re.search(pattern, text):
                problem = f"code cell {i + 1}: output does not match /{pattern}/; got: {text[-500:]!r}"
                break
    seconds = time.time() - started
    if problem:
        failures.append(f"{name}: {problem}")
        print(f"FAIL {name} ({seconds:.1f}s): {problem}", flush=True)
    else:
        last = output_text(code_cells[-1]).strip().splitlines()
        print(f"ok   {name} ({seconds:.1f}s): {last[-1] if last else ''}", flush=True)

print(f"executed notebooks written to {out_dir}")
if failures:
    print(f"{len(failures)} of {len(paths)} notebook(s) failed", file=sys.stderr)
    sys.exit(1)
PY
}

command="${1:-all}"
[ $# -gt 0 ] && shift
case "$command" in
  install) install_kernel ;;
  run) run_notebooks "$@" ;;
  all) install_kernel; run_notebooks "$@" ;;
  -h|--help|help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) die "unknown command $command (install | run | all)" ;;
esac
