# Sourced by bin/portcullis and load-tests/ab.sh after find-jdk.sh: the JVM flags that run a built
# Portcullis distribution DIR (DIR/lib on the class path, DIR/polyglot, DIR/jit).
#
#   portcullis_jvm_opts DIR   sets the array portcullis_jvm
#
# GraalJS compiles connection functions to machine code only when Truffle finds a Graal compiler:
# that needs JDK 25+ with JVMCI (jdk.internal.vm.ci, e.g. Temurin 25), GraalVM's jars on the module path
# and the compiler of the same version on the upgrade module path. Without it GraalJS interprets
# (about 10x slower per call; functions still work). PORTCULLIS_JS_JIT=off forces the interpreter.
portcullis_jvm_opts() {
  local dir=$1 compiler major
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
  compiler=$(ls "$dir"/jit/compiler-*.jar 2>/dev/null | head -n 1 || true)
  # The Graal compiler of GraalVM 25 speaks JDK 25's JVMCI; older JDKs keep the interpreter.
  if [ "${PORTCULLIS_JS_JIT:-on}" != off ] && [ -n "$compiler" ] && [ "$major" -ge 25 ] \
     && grep -q 'jdk.internal.vm.ci' "$JAVA_HOME/release" 2>/dev/null; then
    # EnableJVMCI only lets Truffle use Graal for guest code; HotSpot's C2 still compiles Java.
    portcullis_jvm+=(-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path "$compiler")
  fi
}
