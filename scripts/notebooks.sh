#!/usr/bin/env bash
# Install the Deno Jupyter kernel into the project's venv and execute the notebooks headless.
#
#   scripts/notebooks.sh install            write kernel.json for node_modules/deno/deno and
#                                           `jupyter kernelspec install --sys-prefix` it (kernel "netsec-deno")
#   scripts/notebooks.sh run [-p name=value …] [nb.ipynb …]
#                                           execute notebooks (default: notebooks/*.ipynb) with nbclient on this
#                                           checkout's Deno; fails on any cell error, a code cell without output
#                                           or a last cell whose output does not match its metadata.netsec.expect
#   scripts/notebooks.sh all [-p …] [nb.ipynb …]   install, then run (default)
#
# -p name=value overrides a parameter, papermill style: a cell `let name = value;` (ending with netsec's
# parameters() table) is injected after the cell tagged "parameters" (the name must be declared there). The value goes in as a TypeScript literal:
# JSON as it is (-p folds=5, -p flag=true, -p 'data="42"'), anything else as a string (-p experiment=fast).
#
# Environment: NETSEC_VENV (default $NETSEC_CACHE/venv, ~/.cache/netsec/venv), NETSEC_NOTEBOOK_OUT (executed copies,
# default test-results/notebooks), NETSEC_NOTEBOOK_TIMEOUT (seconds per cell, default 600), plus what the
# session reads when a parameter is left undefined: NETSEC_DATA, NETSEC_ARTIFACTS, NETSEC_MODEL_DIR,
# NETSEC_STATE_DIR, NETSEC_EXPERIMENT, and for tracking MLFLOW_TRACKING_URI (… or the DagsHub variables;
# unset: the local run log, no server needed).
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
  local params=() notebooks=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -p|--parameter)
        [ $# -ge 2 ] || die "$1 needs name=value"
        [[ "$2" == *=* ]] || die "$1 $2: give name=value"
        params+=("$2"); shift 2 ;;
      -p*) params+=("${1#-p}"); shift ;;
      -*) die "unknown option $1 (run [-p name=value …] [nb.ipynb …])" ;;
      *) notebooks+=("$1"); shift ;;
    esac
  done
  if [ ${#notebooks[@]} -eq 0 ]; then
    notebooks=("$ROOT"/notebooks/*.ipynb)
  fi
  [ -e "${notebooks[0]}" ] || die "no notebooks found"
  [ -x "$PY" ] || die "no Python venv at $VENV: run scripts/setup.sh first"
  [ -x "$DENO" ] || die "no Deno at $DENO: run npm ci first"
  mkdir -p "$OUT"
  # The kernel of this checkout's Deno, from a private JUPYTER_PATH: whatever kernel is installed
  # (another checkout's, an older Deno) does not change what runs here.
  local jupyter_path
  jupyter_path="$(mktemp -d)"
  trap 'rm -rf "$jupyter_path"' RETURN
  mkdir -p "$jupyter_path/kernels/$KERNEL"
  printf '{"argv": ["%s", "jupyter", "--kernel", "--conn", "{connection_file}"], "display_name": "Deno (netsec)", "language": "typescript"}\n' "$DENO" \
    > "$jupyter_path/kernels/$KERNEL/kernel.json"
  local param_args=()
  for p in ${params[@]+"${params[@]}"}; do param_args+=(--param "$p"); done
  JUPYTER_PATH="$jupyter_path${JUPYTER_PATH:+:$JUPYTER_PATH}" \
    "$PY" - "$KERNEL" "$OUT" "$TIMEOUT" ${param_args[@]+"${param_args[@]}"} -- "${notebooks[@]}" <<'PY'
import json, os, re, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

kernel, out_dir, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3])
rest = sys.argv[4:]
split = rest.index("--")
params = [rest[i + 1] for i in range(0, split, 2)]
paths = rest[split + 1:]

def literal(value):
    """A -p value as a TypeScript literal: JSON as it is, anything else as a string."""
    if value == "undefined":
        return "undefined"
    try:
        return json.dumps(json.loads(value), ensure_ascii=False)
    except ValueError:
        return json.dumps(value, ensure_ascii=False)

def declared(source):
    """Names a parameters cell declares: let/const/var a, b: T = …; (a name at the start or after a comma)."""
    names = []
    for statement in re.findall(r"\b(?:let|const|var)\s+([^;\n]*)", source):
        for name in re.findall(r"(?:^|,)\s*([A-Za-z_$][\w$]*)\s*(?=[:=,]|$)", statement):
            if name not in names:
                names.append(name)
    return names

def inject(nb, name):
    """Papermill's convention: a cell tagged injected-parameters right after the one tagged parameters."""
    if not params:
        return None
    at = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if at is None:
        return f"-p given but no code cell is tagged \"parameters\""
    names = declared(nb.cells[at].source)
    pairs = [p.split("=", 1) for p in params]
    unknown = [n for n, _ in pairs if n not in names]
    if unknown:
        return f"-p {', '.join(unknown)}: not a parameter of {name} (its parameters cell declares {', '.join(names) or 'nothing'})"
    source = "// Parameters injected by scripts/notebooks.sh run -p (papermill's convention)\n"
    source += "".join(f"let {n} = {literal(v)};\n" for n, v in pairs)
    # shown as the parameters cell shows them (display_data: a plain value can be lost after "idle")
    source += 'await (await import("netsec")).parameters({ ' + ", ".join(names) + " })"
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]}))
    return None

def output_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") in ("execute_result", "display_data"):
            data = out.get("data", {})
            parts.append(str(data.get("text/plain", "")))
            if "application/json" in data:
                parts.append(json.dumps(data["application/json"], separators=(",", ":"), ensure_ascii=False))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
    return "\n".join(parts)

failures = []
for path in paths:
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    problem = inject(nb, name)
    if problem:
        failures.append(f"{name}: {problem}")
        print(f"FAIL {name}: {problem}", flush=True)
        continue
    started = time.time()
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    try:
        client.execute()
    except CellExecutionError as error:
        problem = f"cell error: {error.ename}: {error.evalue}"
        if not str(error.evalue).strip() or error.evalue == "Execution failed":
            problem += (" (the kernel sent no error details: outputs published after the cell's idle status"
                        " are dropped; run the notebook's code cells as a script with deno run -A to see the error)")
    except Exception as error:  # kernel died, timeout …
        problem = f"{type(error).__name__}: {error}"
    # A result that showed itself as display_data leaves the kernel's execute_result empty: drop those,
    # or nbconvert's HTML shows an empty "Out[n]:" under every result.
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not (o.get("output_type") == "execute_result" and not o.get("data"))]
    nbformat.write(nb, os.path.join(out_dir, name))
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    if problem is None:
        for i, cell in enumerate(code_cells):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                problem = f"code cell {i + 1}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
                break
            if not cell.get("outputs"):
                problem = f"code cell {i + 1} has no output (lost after the kernel's idle status, or nothing to show)"
                break
    if problem is None:
        expected = [(i, c) for i, c in enumerate(code_cells) if c.get("metadata", {}).get("netsec", {}).get("expect")]
        if not expected or expected[-1][1] is not code_cells[-1]:
            problem = "the last code cell has no metadata.netsec.expect pattern"
        for i, cell in expected:
            pattern = cell["metadata"]["netsec"]["expect"]
            text = output_text(cell)
            if not re.search(pattern, text):
                problem = f"code cell {i + 1}: output does not match /{pattern}/; got: {text[-800:]!r}"
                break
    seconds = time.time() - started
    if problem:
        failures.append(f"{name}: {problem}")
        print(f"FAIL {name} ({seconds:.1f}s): {problem}", flush=True)
    else:
        last = output_text(code_cells[-1]).strip().splitlines()
        print(f"ok   {name} ({seconds:.1f}s): {last[-1][:400] if last else ''}", flush=True)

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
  -h|--help|help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
  *) die "unknown command $command (install | run | all)" ;;
esac
