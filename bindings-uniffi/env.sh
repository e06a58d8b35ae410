# Shared settings of the UniFFI scripts (sourced). Paths, the pinned tools, the Java class path.
# shellcheck shell=bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
case "$target" in /*) ;; *) target="$root/$target" ;; esac
out="$target/uniffi"
# The unstripped release cdylib (bindings are generated from its metadata; build-lib copies it
# from its own target directory, target/uniffi-build) and the stripped copy that the Kotlin tests
# load (what an app would ship).
case "$(uname -s)" in Darwin) so=dylib ;; *) so=so ;; esac
release_lib="$out/unstripped/libmailoauth_uniffi.$so"
stripped_lib="$out/libmailoauth_uniffi.$so"
kotlin_home="$here/node_modules/kotlin-compiler"
kotlinc="$kotlin_home/bin/kotlinc"
java_share=/usr/share/java
jna_jar="$java_share/jna.jar"
gson_jar="$java_share/gson.jar"
junit_jar="$java_share/junit-platform-console-standalone.jar"
log() { printf '==> %s\n' "$*"; }
need_file() {
  [ -f "$1" ] || { echo "missing $1: $2" >&2; exit 1; }
}
