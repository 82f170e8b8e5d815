# Sourced by ./agentplane and .ci/run: exports JAVA_HOME pointing at a JDK >= 21, or explains
# what is missing and fails. Order: $JAVA_HOME, then every JDK under /usr/lib/jvm (newest first),
# then the java on PATH.

agentplane_java_major() {
  # Prints the feature version (17, 21, 25...) of the java binary given, or nothing.
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

agentplane_require_jdk() {
  local wanted=21 candidate major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do candidates+=("${candidate%/}"); done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    major=$(agentplane_java_major "$candidate/bin/java")
    if [ -n "$major" ] && [ "$major" -ge "$wanted" ]; then
      export JAVA_HOME="$candidate"
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "AgentPlane needs a JDK $wanted or newer (javac included), and none was found in JAVA_HOME (${JAVA_HOME:-unset}), /usr/lib/jvm or on PATH." >&2
  echo "Install one (e.g. 'apt-get install openjdk-21-jdk' or Temurin 21) and set JAVA_HOME to it." >&2
  return 1
}
