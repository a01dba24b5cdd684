# Sourced by every fake tool. A fake acts for one host of a test's fake world ($FAKE_ROOT/hosts/$FAKE_HOST),
# appends each call with its arguments to $FAKE_ROOT/calls.log, and never touches anything outside $FAKE_ROOT.
set -euo pipefail
: "${FAKE_ROOT:?fake tools run only inside the fake world of a test}" "${FAKE_HOST:?}"
H="$FAKE_ROOT/hosts/$FAKE_HOST"
TOOL_NAME=$(basename "$0")

record() {
  local line="$FAKE_HOST $TOOL_NAME"
  if [ $# -gt 0 ]; then line+=$(printf ' %q' "$@"); fi
  echo "$line" >>"$FAKE_ROOT/calls.log"
}

# A fault the test planted in $H/faults/<any name>: line 1 a glob over "<tool> <args>", line 2 the
# message, line 3 how many more calls it hits (empty: every call). Prints the message of the first
# fault that matches this call and uses up one hit.
fault_for() {
  local f glob msg left call="$TOOL_NAME $*"
  for f in "$H"/faults/*; do
    [ -f "$f" ] || continue
    { IFS= read -r glob; IFS= read -r msg; IFS= read -r left || true; } <"$f"
    # shellcheck disable=SC2053 # the glob is a pattern on purpose
    [[ $call == $glob ]] || continue
    if [ -n "$left" ]; then
      [ "$left" -gt 0 ] || continue
      printf '%s\n%s\n%s\n' "$glob" "$msg" $((left - 1)) >"$f"
    fi
    echo "$msg"
    return 0
  done
  return 1
}

# Refuses (exit 97) a path outside the fake world: a fake must never change the real system.
inside() {
  case $(realpath -m "$1") in
    "$FAKE_ROOT"/*) ;;
    *) echo "fake $TOOL_NAME: $1 is outside the fake world" >&2; exit 97 ;;
  esac
}
