#!/usr/bin/env bash
# Build-and-contents check of the Docker image, run by .ci/run. NOT a container run: containers
# cannot be started on our machines (crun and runc stop at setrlimit), so this
#   1. builds a local Debian bookworm base with debootstrap (cached as an image under $NETSEC_CACHE),
#   2. builds the committed Dockerfile from it with podman (chroot isolation; the base images are
#      the Dockerfile's build arguments, as for `docker build`),
#   3. checks what the image holds (user, CMD, HEALTHCHECK, no Node/npm, no dev dependencies),
#   4. mounts the image read-only and, in its own mount, network and PID namespaces, runs `netsec
#      train` from it into mounted folders, then starts its CMD as PID 1 as the image's user with
#      the image's ENV and a model folder bound in, and checks /health, the HEALTHCHECK command,
#      /predict on a small CSV (same answers as `netsec predict` on this machine), that the CMD's
#      permissions refuse writes and other hosts, and a graceful stop on SIGTERM with a slow
#      request in flight (it completes; exit code 0).
# Needs root, podman, debootstrap, util-linux (unshare, setpriv), iproute2; scripts/setup.sh
# installs them. Exits non-zero with "container-check: FAILED: ..." when any check fails.
#   bash scripts/container-check.sh            # NETSEC_CACHE (default ~/.cache/netsec) keeps the base and layers
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE="${NETSEC_CACHE:-$HOME/.cache/netsec}"
STATE="$CACHE/container"
IMAGE=localhost/netsec:check
BASE=localhost/netsec-base:bookworm
UIDGID=10001:10001
say() { printf '[container-check] %s\n' "$*" >&2; }
fail() { printf '[container-check] FAILED: %s\n' "$*" >&2; exit 1; }

# ---- inside: runs in its own mount + network namespace (see the end of this file) ----------------
if [ "${1:-}" = "--inside" ]; then
  rootfs=$2 work=$3 cmd_json=$4 env_file=$5 health_json=$6
  mapfile -t CMD < <(node -e 'for (const a of JSON.parse(process.argv[1])) console.log(a)' "$cmd_json")
  mapfile -t ENVV < "$env_file"
  mapfile -t HEALTH < <(node -e 'const t = JSON.parse(process.argv[1]); if (t[0] !== "CMD") process.exit(1); for (const a of t.slice(1)) console.log(a)' "$health_json")
  # Deno's --allow-* flags of the CMD, for the permission probe below.
  mapfile -t ALLOW < <(printf '%s\n' "${CMD[@]}" | grep '^--allow-')
  ip link set lo up
  # /dev: a few device nodes only; the image's own root stays read-only (as in a container, where
  # nothing but the mounts is meant to be written; stricter: even /tmp is read-only here).
  mount -t tmpfs -o size=64k,mode=755 devfs "$rootfs/dev"
  for dev in null zero random urandom; do touch "$rootfs/dev/$dev"; mount --bind "/dev/$dev" "$rootfs/dev/$dev"; done
  mount --bind "$work/final_model" "$rootfs/app/final_model"
  mount --bind "$work/Artifacts" "$rootfs/app/Artifacts"
  mount --bind "$ROOT/network_data" "$rootfs/app/network_data"
  mount -o remount,bind,ro "$rootfs/app/network_data"
  mount --bind "$work/probe" "$rootfs/mnt"
  mount -t proc proc "$rootfs/proc" # for the train run and probes; the server gets its own (PID namespace)
  as_user() { chroot --userspec="$UIDGID" --groups=10001 "$rootfs" /usr/bin/env -i -C /app "${ENVV[@]}" "$@"; }

  say "train inside the image (as uid 10001, writing only into the mounted final_model/ and Artifacts/)"
  as_user /usr/local/bin/deno run -A --quiet --config /app/deno.json /app/src/cli.ts train \
    --experiment experiments/fast.yaml --data /app/network_data/phisingData.csv --json >"$work/train.json" 2>"$work/train.log" \
    || { tail -20 "$work/train.log" >&2; fail "netsec train inside the image failed"; }
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").pop()); if (!r.pushed) { console.error(JSON.stringify(r.pushReasons)); process.exit(1); } console.error(`[container-check]   pushed model version ${r.modelVersion}, test F1 ${r.metrics.f1.toFixed(4)}`);' "$work/train.json" \
    || fail "netsec train inside the image pushed no model"
  [ -s "$work/final_model/model.json" ] || fail "no final_model/model.json after train"
  [ -d "$work/Artifacts/.netsec" ] || fail "the local run log did not go to Artifacts/.netsec (NETSEC_STATE_DIR)"
  # From here the model folder is read-only, as `docker run -v …:/app/final_model:ro` mounts it.
  mount -o remount,bind,ro "$rootfs/app/final_model"
  head -6 "$ROOT/network_data/phisingData.csv" >"$work/probe/sites.csv"
  "$ROOT/node_modules/deno/deno" run -A --quiet --config "$ROOT/deno.json" "$ROOT/src/cli.ts" predict \
    --input "$work/probe/sites.csv" --output "$work/local-predict.csv" --model-dir "$work/final_model" 2>"$work/predict.log" \
    || { cat "$work/predict.log" >&2; fail "netsec predict on this machine with the model trained in the image"; }

  say "start the image's CMD as PID 1 (uid 10001, the image's ENV, cwd /app): ${CMD[*]}"
  # setpriv --pdeathsig: if this shell dies, the launcher dies, and --kill-child takes PID 1 with it.
  setpriv --pdeathsig KILL unshare --pid --fork --kill-child --mount-proc="$rootfs/proc" \
    chroot --userspec="$UIDGID" --groups=10001 "$rootfs" /usr/bin/env -i -C /app "${ENVV[@]}" "${CMD[@]}" >"$work/serve.log" 2>&1 &
  launcher=$!
  server=""
  trap 'kill -KILL $server "$launcher" 2>/dev/null || true' EXIT
  url=http://127.0.0.1:8000
  for _ in $(seq 1 150); do
    curl -fs -o /dev/null "$url/health" && break
    kill -0 "$launcher" 2>/dev/null || { cat "$work/serve.log" >&2; fail "the CMD exited before answering"; }
    sleep 0.2
  done
  server=$(cat "/proc/$launcher/task/$launcher/children" 2>/dev/null | awk '{print $1}')
  [ -n "$server" ] || fail "could not find the server's process"
  say "  server: host pid $server, in its namespace pid $(awk '/^NSpid/ {print $NF}' "/proc/$server/status"), $(readlink "/proc/$server/exe")"
  [ "$(awk '/^NSpid/ {print $NF}' "/proc/$server/status")" = 1 ] || fail "the CMD is not PID 1 in its namespace"
  [ "$(readlink "/proc/$server/exe")" = "$rootfs/usr/local/bin/deno" ] || fail "PID 1 is $(readlink "/proc/$server/exe"), not the image's Deno"
  [ "$(awk '/^Uid/ {print $2}' "/proc/$server/status")" = 10001 ] || fail "the server does not run as uid 10001"

  health=$(curl -fsS "$url/health") || { cat "$work/serve.log" >&2; fail "GET /health"; }
  say "  GET /health: $health"
  node -e 'const h = JSON.parse(process.argv[1]); if (h.status !== "ok" || !h.model.loaded) process.exit(1)' "$health" || fail "/health is not ok: $health"
  as_user "${HEALTH[@]}" || fail "the image's HEALTHCHECK command failed against the running server"
  say "  HEALTHCHECK command: exit 0"

  curl -fsS -H 'content-type: text/csv' --data-binary @"$work/probe/sites.csv" "$url/predict" >"$work/predict.json" \
    || { cat "$work/serve.log" >&2; fail "POST /predict"; }
  node -e '
    const fs = require("fs");
    const served = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const lines = fs.readFileSync(process.argv[2], "utf8").trim().split("\n");
    const header = lines[0].split(",").map((h) => h.replace(/"/g, ""));
    const local = lines.slice(1).map((l) => { const c = l.split(","); return { prediction: Number(c[header.indexOf("prediction")]), probability: Number(c[header.indexOf("probability")]) }; });
    if (served.rows !== 5 || served.predictions.length !== 5) throw new Error(`expected 5 predictions, got ${JSON.stringify(served).slice(0, 300)}`);
    served.predictions.forEach((p, i) => {
      // /predict JSON rounds probabilities to 6 decimals (src/serve/output.ts); the CSV of netsec predict does not.
      if (p.prediction !== local[i].prediction || Math.abs(p.probability - local[i].probability) > 5e-7) throw new Error(`row ${i + 1}: served ${JSON.stringify(p)}, netsec predict ${JSON.stringify(local[i])}`);
    });
    console.error(`[container-check]   POST /predict: 5 rows, predictions ${served.predictions.map((p) => p.prediction).join(" ")} (= netsec predict on this machine)`);
  ' "$work/predict.json" "$work/local-predict.csv" || fail "POST /predict answers differ from netsec predict"

  say "  the CMD's permissions (${ALLOW[*]}) refuse what serving does not need:"
  cp "$ROOT/scripts/permission-probe.ts" "$work/probe/probe.ts"
  plan='{"read": ["/app/schema.yaml", "/app/final_model/model.json"], "listen": ["0.0.0.0:8000"], "env": ["NETSEC_TRAIN_TOKEN"],
    "noRead": ["/etc/passwd", "/app/package.json", "/mnt/sites.csv"], "noWrite": ["/app/final_model", "/app/Artifacts", "/app", "/tmp", "/mnt"],
    "noConnect": ["127.0.0.1:27017", "127.0.0.1:5000"], "noRun": ["/bin/sh", "/usr/bin/env"]}'
  if ! as_user /usr/local/bin/deno run --quiet --no-prompt --no-config "${ALLOW[@]}" /mnt/probe.ts "$plan" 2>&1 | sed 's/^/[container-check]     /' >&2; then
    fail "the CMD's permission flags allow more (or less) than serving needs"
  fi

  say "  SIGTERM with a slow request in flight"
  body=$(cat "$work/probe/sites.csv")
  exec 3<>/dev/tcp/127.0.0.1/8000
  printf 'POST /predict HTTP/1.1\r\nhost: check\r\ncontent-type: text/csv\r\nconnection: close\r\ncontent-length: %d\r\n\r\n%s' "$(printf '%s\n' "$body" | wc -c)" "${body:0:300}" >&3
  # A request on a second connection is answered once the first connection has been accepted.
  curl -fs -o /dev/null "$url/health" || fail "GET /health during the slow request"
  sleep 0.3
  kill -TERM "$server"
  for _ in $(seq 1 50); do grep -q "SIGTERM: stopping" "$work/serve.log" && break; sleep 0.1; done
  grep -q "SIGTERM: stopping (new requests refused; 1 request in flight" "$work/serve.log" \
    || { cat "$work/serve.log" >&2; fail "after SIGTERM the server did not report the slow request in flight"; }
  during=$(curl -s -o /dev/null -w '%{http_code}' "$url/health" || true)
  printf '%s\n' "${body:300}" >&3
  answer=$(timeout 20 cat <&3 || true)
  exec 3>&-
  status=$(printf '%s' "$answer" | head -1 | tr -d '\r')
  [[ "$status" == "HTTP/1.1 200"* ]] || { cat "$work/serve.log" >&2; fail "the in-flight request got '$status' after SIGTERM"; }
  printf '%s' "$answer" | grep -q '"rows":5' || fail "the in-flight request's answer has no 5 predictions"
  code=0
  wait "$launcher" || code=$?
  trap - EXIT
  say "  in flight: $status; a new request meanwhile: $during (503 STOPPING or refused); exit code $code"
  [[ "$during" == 503 || "$during" == 000 ]] || fail "a new request after SIGTERM got $during"
  [ "$code" = 0 ] || { cat "$work/serve.log" >&2; fail "the server exited with $code after SIGTERM"; }
  grep -q "netsec serve: stopped" "$work/serve.log" || { cat "$work/serve.log" >&2; fail "no 'stopped' line in the server's log"; }
  if curl -s -o /dev/null "$url/health"; then fail "something still answers on port 8000 after the stop"; fi
  sed 's/^/[container-check]   log: /' "$work/serve.log" >&2
  exit 0
fi

# ---- outside: build, inspect, then the inside part above -----------------------------------------
say "this is a build-and-contents check of the Docker image, not a container run (containers cannot"
say "be started on this machine): podman builds the Dockerfile, then the image's files are run under"
say "chroot in their own namespaces, as its user, with its ENV and CMD"
[ "$(id -u)" = 0 ] || fail "needs root (podman storage, mounts, chroot, namespaces)"
for tool in podman debootstrap unshare setpriv chroot ip curl node; do
  command -v "$tool" >/dev/null || fail "$tool is missing (bash scripts/setup.sh installs it)"
done
[ -s network_data/phisingData.csv ] || fail "network_data/phisingData.csv is missing (bash scripts/fetch-data)"
[ -x node_modules/deno/deno ] || fail "node_modules/deno/deno is missing (npm ci)"
mkdir -p "$STATE"
P=(podman --root "$STATE/storage" --runroot "$STATE/run" --storage-driver overlay)

work=$(mktemp -d /tmp/netsec-container-check.XXXXXX)
mounted=""
inside=""
# Processes whose root folder is inside our image storage: ours (chroot into a mounted image), also
# when a killed run left them. Killed by pid.
kill_image_processes() {
  local proc root
  for proc in /proc/[0-9]*; do
    root=$(readlink "$proc/root" 2>/dev/null) || continue
    [[ "$root" == "$STATE/storage/"* ]] && kill -KILL "${proc#/proc/}" 2>/dev/null || true
  done
}
cleanup() {
  local status=$?
  if [ -n "$inside" ]; then kill -TERM "$inside" 2>/dev/null || true; wait "$inside" 2>/dev/null || true; fi
  kill_image_processes
  if [ -n "$mounted" ]; then "${P[@]}" image unmount "$IMAGE" >/dev/null 2>&1 || true; fi
  if [ "$status" = 0 ]; then rm -rf "$work"; else say "FAILED (exit $status); logs kept in $work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
kill_image_processes # left by a run that was killed
"${P[@]}" image unmount --all >/dev/null 2>&1 || true

# 1. The base: Debian bookworm minbase from the mirror apt is configured with, imported as an image.
if "${P[@]}" image exists "$BASE"; then
  say "base image $BASE: cached"
else
  mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
  [ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ && $3 ~ /^bookworm$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$mirror" ] || fail "no Debian mirror found in /etc/apt/sources.list*"
  say "base image: debootstrap --variant=minbase bookworm from $mirror (first run: about a minute)"
  started=$SECONDS
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/*
  tar -C "$work/rootfs" -c . | "${P[@]}" import --quiet - "$BASE" >/dev/null
  rm -rf "$work/rootfs"
  say "  base built in $((SECONDS - started)) s"
fi

# 2. The image, from the committed Dockerfile. The build stage reaches the npm registry; on a network
#    that intercepts TLS it needs that CA (a build secret: used by the npm steps only, not in the image).
ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
secret=()
[ -s "$ca" ] && secret=(--secret "id=build_ca,src=$ca")
build=("${P[@]}" build --isolation chroot --format docker --pull=never "${secret[@]}"
  --build-arg "BUILD_BASE=$BASE" --build-arg "RUNTIME_BASE=$BASE")
say "podman build (chroot isolation, BUILD_BASE=RUNTIME_BASE=$BASE)"
started=$SECONDS
# The build stage gets a tag too, so that pruning keeps its layers as cache for the next run.
"${build[@]}" --target build -t localhost/netsec:check-build . >"$work/build.log" 2>&1 \
  && "${build[@]}" -t "$IMAGE" . >>"$work/build.log" 2>&1 \
  || { grep -v '^\(Get\|Selecting\|Preparing\|Unpacking\|Setting up\):\? ' "$work/build.log" | tail -40 >&2; fail "podman build"; }
build_seconds=$((SECONDS - started))
"${P[@]}" image prune -f >/dev/null 2>&1 || true
size=$("${P[@]}" image inspect "$IMAGE" --format '{{.Size}}')
say "  built in $build_seconds s; image size $((size / 1000000)) MB (uncompressed, with the local base)"

# 3. What the image holds.
config=$("${P[@]}" image inspect "$IMAGE" --format '{{json .Config}}')
healthcheck=$("${P[@]}" image inspect "$IMAGE" --format '{{json .Config.Healthcheck}}')
node -e '
  const c = JSON.parse(process.argv[1]);
  c.Healthcheck = JSON.parse(process.argv[2]);
  const problems = [];
  if (!/^[1-9][0-9]*(:[0-9]+)?$/.test(c.User ?? "")) problems.push(`User is ${JSON.stringify(c.User)}, not a non-root uid`);
  if (c.Cmd?.[0] !== "/usr/local/bin/deno" || c.Cmd[1] !== "run") problems.push(`CMD does not start Deno directly: ${JSON.stringify(c.Cmd)}`);
  if (c.Entrypoint?.length) problems.push(`an ENTRYPOINT wraps the CMD: ${JSON.stringify(c.Entrypoint)}`);
  if (c.Cmd?.some((a) => a === "-A" || a === "--allow-all" || /^--allow-write/.test(a))) problems.push("CMD runs Deno with --allow-all or write permission");
  if (c.Healthcheck?.Test?.[1] !== "/usr/local/bin/deno") problems.push(`HEALTHCHECK does not run /usr/local/bin/deno: ${JSON.stringify(c.Healthcheck)}`);
  if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
' "$config" "$healthcheck" || fail "image configuration"
mnt=$("${P[@]}" image mount "$IMAGE") || fail "podman image mount"
mounted=yes
say "image mounted read-only at $mnt"
for path in usr/bin/node usr/local/bin/node usr/bin/npm usr/local/bin/npm app/bin app/tests app/notebooks app/bench app/docs app/.git app/network_data/phisingData.csv; do
  [ ! -e "$mnt/$path" ] || fail "the image holds /$path"
done
for dev in $(node -e 'console.log(Object.keys(require("./package.json").devDependencies).join(" "))'); do
  [ ! -e "$mnt/app/node_modules/$dev" ] || fail "the image holds the dev dependency $dev"
done
writable=$(find "$mnt/app" "$mnt/usr/local/bin" \( -perm -o+w -o ! -user root \) -print -quit)
[ -z "$writable" ] || fail "the image's files are writable by its user: ${writable#"$mnt"}"
say "  contents: Deno $("$mnt/usr/local/bin/deno" --version | sed -n 1p | cut -d' ' -f2), no Node/npm, no dev dependencies, no tests/notebooks/docs/data, /app owned by root and read-only to uid 10001"

# 4. A model folder to bind in (`netsec train` runs inside the image first), the same rows scored on
#    this machine for comparison, and the image's run settings.
mkdir -p "$work/final_model" "$work/Artifacts" "$work/probe"
chown 10001:10001 "$work/final_model" "$work/Artifacts"
chmod 755 "$work"
"${P[@]}" image inspect "$IMAGE" --format '{{json .Config.Cmd}}' >"$work/cmd.json"
"${P[@]}" image inspect "$IMAGE" --format '{{range .Config.Env}}{{println .}}{{end}}' | sed '/^$/d' >"$work/env.txt"
"${P[@]}" image inspect "$IMAGE" --format '{{json .Config.Healthcheck.Test}}' >"$work/health.json"
setpriv --pdeathsig KILL unshare --mount --propagation private --net -- bash "$0" --inside "$mnt" "$work" "$(cat "$work/cmd.json")" "$work/env.txt" "$(cat "$work/health.json")" &
inside=$!
wait "$inside" || { status=$?; inside=""; exit "$status"; }
inside=""
say "all checks passed (image $IMAGE, $((size / 1000000)) MB, built in $build_seconds s)"
