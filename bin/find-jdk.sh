# Sourced by bin/mvn and bin/portcullis: sets JAVA_HOME to a JDK >= 21.
# Order: JAVA_HOME if it is new enough, else the newest JDK under /usr/lib/jvm, else a clear error.
portcullis_java_major() {
  local v
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  echo "${v%%.*}"
}

portcullis_find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then
    local m; m=$(portcullis_java_major "$JAVA_HOME")
    if [ "${m:-0}" -ge 21 ] 2>/dev/null; then export JAVA_HOME; return 0; fi
  fi
  local best="" best_major=0 d m
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -x "$d/bin/javac" ] || continue
    [ -L "$d" ] && continue
    m=$(portcullis_java_major "$d")
    if [ "${m:-0}" -gt "$best_major" ] 2>/dev/null; then best=$d; best_major=$m; fi
  done
  if [ "$best_major" -ge 21 ]; then export JAVA_HOME=$best; return 0; fi
  echo "error: Portcullis needs a JDK 21 or newer. JAVA_HOME is '${JAVA_HOME:-unset}' and none was found under /usr/lib/jvm." >&2
  echo "       Install one (e.g. apt-get install openjdk-21-jdk-headless) or set JAVA_HOME to it." >&2
  return 1
}
