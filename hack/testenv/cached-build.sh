# Sourced by the build scripts of hack/testenv (build-flux.sh, build-kueue.sh, build-versitygw.sh,
# helm/build.sh): what each of their cached builds from the Go module proxy does the same way.

log() { printf '[testenv] %s\n' "$*" >&2; }

step() { # step NAME COMMAND...: runs COMMAND, reporting how long it took
  local name=$1 t0=$SECONDS
  shift
  log "$name ..."
  "$@"
  log "$name: $((SECONDS - t0))s"
}

# reuse_or_lock STAMP RESULT: a complete build (its STAMP, written last, exists) is reused: prints
# RESULT and exits. Otherwise takes the lock beside STAMP, held until the script exits: the cache is
# shared by every clone on the machine, so one builds and the others wait for its stamp.
reuse_or_lock() {
  local stamp=$1 result=$2
  if [[ -f "$stamp" ]]; then
    echo "$result"
    exit 0
  fi
  mkdir -p "$(dirname "$stamp")"
  exec 9>"$stamp.lock"
  flock 9
  if [[ -f "$stamp" ]]; then
    echo "$result"
    exit 0
  fi
}
