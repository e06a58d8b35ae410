# Compiles target/uniffi/kotlin (generated) + bindings-uniffi/kotlin/src into
# target/uniffi/kotlin-tests.jar, only when a source is newer than the jar. (Sourced.)
# shellcheck shell=bash
kotlin_src="$here/kotlin/src"
tests_jar="$out/kotlin-tests.jar"
stdlib_jar="$kotlin_home/lib/kotlin-stdlib.jar"
run_cp="$tests_jar:$stdlib_jar:$jna_jar:$gson_jar"
test_cp="$run_cp"
compile_kotlin() {
  need_file "$kotlinc" "run '.ci/install-deps kotlin' (npm ci in bindings-uniffi)"
  for j in "$jna_jar" "$gson_jar" "$junit_jar"; do need_file "$j" "run '.ci/install-deps kotlin'"; done
  local generated="$out/kotlin/dev/mailoauth/mailoauth.kt"
  need_file "$generated" "run 'make uniffi-bindings' first"
  if [ -f "$tests_jar" ] && [ -z "$(find "$generated" "$kotlin_src" -newer "$tests_jar" -name '*.kt' -print -quit)" ]; then
    log "kotlin classes are up to date ($tests_jar)"
    return 0
  fi
  log "kotlinc $(basename "$generated") + $(find "$kotlin_src" -name '*.kt' | wc -l) test files"
  local srcs
  mapfile -t srcs < <(find "$kotlin_src" -name '*.kt' | sort)
  rm -f "$out/kotlin-tests.tmp.jar"
  # -Werror is not used: the generated code has warnings (unused parameters) UniFFI owns.
  JAVA_OPTS="${KOTLINC_JAVA_OPTS:--Xmx1g}" "$kotlinc" -jvm-target 17 -nowarn \
    -cp "$jna_jar:$gson_jar:$junit_jar" -d "$out/kotlin-tests.tmp.jar" "$generated" "${srcs[@]}"
  mv "$out/kotlin-tests.tmp.jar" "$tests_jar"
}
