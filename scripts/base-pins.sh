# Pins of the local target's node image base, sourced by scripts/docker-host.sh (issue 13.11).
# The environment overrides each (npm run up passes the stack key local.build.baseImageDigest).
#
# DEBIAN_RELEASE_SHA256: sha256 of dists/bookworm/Release, the file debootstrap checks with the
#   Debian archive keyring and whose hashes cover every package index and so every .deb it installs.
#   Read 2026-12-02 from deb.debian.org (bookworm 12.15, Date: Sat, 11 Jul 2026 10:16:37 UTC). A
#   new point release changes it: check the new file, then update this line (docker-host.sh prints
#   the hash it found). A snapshot mirror (DEBIAN_MIRROR=https://snapshot.debian.org/archive/debian/<time>)
#   keeps one Release file forever.
# BASE_IMAGE_DIGEST: manifest digest (sha256:...) of BASE_IMAGE (debian:bookworm) in its registry.
#   Empty: no registry could be reached where this was written, so no digest was read; the base is
#   then made with debootstrap (pinned above) and the tag is never pulled unpinned. Set it (here,
#   in the environment, or with local.build.baseImageDigest) to pull BASE_IMAGE@<digest> instead.
DEBIAN_RELEASE_SHA256=${DEBIAN_RELEASE_SHA256:-abcf5882746e0f68171f41adbb4ac01b74b49d62d203379befb9265804311a4f}
BASE_IMAGE_DIGEST=${BASE_IMAGE_DIGEST:-}

pins_log() { echo "[docker-host] $*" >&2; }

# The sha256 of a Release file as the mirror serves it. debootstrap keeps the Release it split from
# InRelease without its last newline: hash the content with exactly one.
release_sha256() {
  { cat "$1"; [ -z "$(tail -c1 "$1")" ] || echo; } | sha256sum | cut -d' ' -f1
}

# A rootfs made by debootstrap: the Release file it used must be the pinned one.
verify_debian_release() { # rootfs suite
  local rel got
  rel=$(ls "$1"/var/lib/apt/lists/*_dists_"$2"_Release 2>/dev/null | head -1)
  [ -n "$rel" ] || { pins_log "no Release file of $2 under $1/var/lib/apt/lists: cannot check DEBIAN_RELEASE_SHA256"; return 1; }
  got=$(release_sha256 "$rel")
  [ "$got" = "$DEBIAN_RELEASE_SHA256" ] && return 0
  pins_log "the Debian $2 Release file has sha256 $got, expected DEBIAN_RELEASE_SHA256=$DEBIAN_RELEASE_SHA256 (scripts/base-pins.sh)."
  pins_log "  A new point release, or a mirror serving something else: check it, then update the pin."
  return 1
}

# A pulled or present image: one of its repository digests must be the pinned one.
verify_image_digest() { # image digest
  [[ "$2" =~ ^sha256:[0-9a-f]{64}$ ]] || { pins_log "BASE_IMAGE_DIGEST: expected sha256:<64 hex digits>, got \"$2\""; return 1; }
  local digests
  digests=$(docker image inspect -f '{{join .RepoDigests " "}}' "$1" 2>/dev/null) || { pins_log "$1 is not on this Docker engine"; return 1; }
  case " $digests " in *"@$2 "*) return 0 ;; esac
  pins_log "$1 has digests [${digests}], expected $2 (BASE_IMAGE_DIGEST): not used"
  return 1
}
