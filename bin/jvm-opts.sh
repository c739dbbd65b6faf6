# Sourced by bin/portcullis and load-tests/ab.sh after find-jdk.sh: the JVM flags that run a built
# Portcullis distribution DIR (DIR/lib on the class path, DIR/polyglot, DIR/jit).
#
#   portcullis_jvm_opts DIR [CLI ARGS...]   sets the array portcullis_jvm
#   portcullis_aot_train DIR CLASSPATH      (re)makes DIR/portcullis.aot, the AOT cache (JDK 25+)
#
# GraalJS compiles connection functions to machine code only when Truffle finds a Graal compiler:
# that needs JDK 25+ with JVMCI (jdk.internal.vm.ci, e.g. Temurin 25), GraalVM's jars on the module path
# and the compiler of the same version on the upgrade module path. Without it GraalJS interprets
# (about 10x slower per call; functions still work). PORTCULLIS_JS_JIT=off forces the interpreter,
# PORTCULLIS_JS_JIT=on the compiler.
#
# The default (auto) leaves the compiler out for `run --config FILE` when FILE names no functions
# and no fleet (whose pushes may bring some): the upgrade module path turns the JVM's class data
# sharing off, and without it a node on one core loaded its 6,000 classes from jars for 3.5-4 s. Such
# a node starts from DIR/portcullis.aot when there is one (2.2-3.1 s, docs/benchmarks.md). A reload
# that adds a function to it runs the function interpreted, and the node says so (restart it).
portcullis_jvm_opts() {
  local dir=$1 compiler major jit=${PORTCULLIS_JS_JIT:-auto}
  shift
  major=$(portcullis_java_major "$JAVA_HOME")
  portcullis_jvm=(--enable-native-access=ALL-UNNAMED -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError)
  # Give memory back: after a burst G1 kept its grown heap (a node with one function went from
  # 290 MB to 480 MB RSS after 600 handshakes and stayed there). A periodic collection after 30 s
  # without one, and shrinking to 30% free, brought it back to 286 MB (docs/benchmarks.md).
  portcullis_jvm+=(-XX:G1PeriodicGCInterval=30000 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30)
  if [ "$major" -ge 24 ]; then
    portcullis_jvm+=(--sun-misc-unsafe-memory-access=allow)
  fi
  [ -d "$dir/polyglot" ] || return 0
  # Truffle calls restricted native methods too; naming it keeps the JDK from warning about it.
  portcullis_jvm+=(--module-path "$dir/polyglot" --add-modules ALL-MODULE-PATH
    --enable-native-access=org.graalvm.truffle)
  if [ "$jit" = auto ]; then
    jit=on
    if portcullis_runs_without_functions "$@"; then
      jit=off
      # -Xlog:aot/cds off: a cache that no longer matches the jars (rebuilt by hand) is skipped, quietly.
      if [ "$major" -ge 25 ] && [ -f "$dir/portcullis.aot" ]; then
        portcullis_jvm+=(-XX:AOTCache="$dir/portcullis.aot" -Xlog:aot=off -Xlog:cds=off)
      fi
    fi
  fi
  compiler=$(ls "$dir"/jit/compiler-*.jar 2>/dev/null | head -n 1 || true)
  # The Graal compiler of GraalVM 25 speaks JDK 25's JVMCI; older JDKs keep the interpreter.
  if [ "$jit" != off ] && [ -n "$compiler" ] && [ "$major" -ge 25 ] \
     && grep -q 'jdk.internal.vm.ci' "$JAVA_HOME/release" 2>/dev/null; then
    # EnableJVMCI only lets Truffle use Graal for guest code; HotSpot's C2 still compiles Java.
    portcullis_jvm+=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$compiler")
  fi
}

# True for `run --config FILE` (or --config=FILE) when FILE is readable and names no function and no
# fleet anywhere (a key containing "functions" or "fleet", even in a comment, counts: when in doubt,
# keep the compiler).
portcullis_runs_without_functions() {
  [ "${1:-}" = run ] || return 1
  shift
  local config=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --config) config=${2:-}; shift ;;
      --config=*) config=${1#--config=} ;;
    esac
    shift
  done
  [ -n "$config" ] && [ -r "$config" ] || return 1
  ! grep -Eqi '(functions|fleet)["'"'"'[:space:]]*:' "$config"
}

# The AOT cache's training run (JDK 25+): the hidden `aot-train` command, with exactly the flags a
# node without functions gets, writes DIR/portcullis.aot (about 50 MB). A failure leaves no cache
# (nodes then start without one) and is one line on stderr.
portcullis_aot_train() {
  local dir=$1 classpath=$2 major
  major=$(portcullis_java_major "$JAVA_HOME")
  rm -f "$dir/portcullis.aot"
  [ "$major" -ge 25 ] || return 0
  PORTCULLIS_JS_JIT=auto portcullis_jvm_opts "$dir" run --config /dev/null
  if ! "$JAVA_HOME/bin/java" "${portcullis_jvm[@]}" -XX:AOTCacheOutput="$dir/portcullis.aot" -Xlog:aot=error -Xlog:cds=error \
      -cp "$classpath" dev.portcullis.proxy.cli.PortcullisCli aot-train >"${TMPDIR:-/tmp}/portcullis-aot-train.log" 2>&1; then
    rm -f "$dir/portcullis.aot"
    echo "portcullis: no AOT cache (its training run failed, see ${TMPDIR:-/tmp}/portcullis-aot-train.log); nodes start without it" >&2
  fi
}
