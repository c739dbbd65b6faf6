#!/usr/bin/env bash
# Builds the image of docker/Dockerfile with podman and runs it for real: the blog's steps against the
# edge container, then the services of docker/compose.yaml (pki, an nginx origin, the edge, the client)
# step by step, as compose would run them.
#
#   docker/test.sh            (after bin/mvn package, which makes the distribution archive)
#
# No registry can be pulled from here, so the runtime base is assembled locally: the host's JDK 25
# (jlinked, all modules, as eclipse-temurin:25-jre lays it out in /opt/java/openjdk) plus the host's
# shell, curl, openssl and useradd with their libraries, imported with `podman import`; the origin is
# the host's nginx in an image made the same way. The image users get is the one the Dockerfile builds
# from its default base (eclipse-temurin:25-jre); only the base differs here. Containers run with
# --runtime runc --cgroup-manager cgroupfs --network host and explicit ulimits (crun and the defaults fail
# on this kernel's cgroups). Exits 0 only when every step behaved; skips (exit 0, with the reason) only
# when podman cannot run a container at all.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$root/docker
work=${WORK:-/tmp/portcullis-docker-test}
BASE_IMAGE=localhost/portcullis-base:test
ORIGIN_IMAGE=localhost/portcullis-nginx-origin:test
IMAGE=localhost/portcullis:test

log() { echo "[docker/test.sh $(date +%H:%M:%S)] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }
command -v podman >/dev/null || die "podman is not installed (apt-get install podman runc)"

# Hard limits cannot be raised inside (no CAP_SYS_RESOURCE): the container's may not exceed the shell's.
nofile=$(ulimit -Hn); { [ "$nofile" = unlimited ] || [ "$nofile" -gt 65536 ]; } && nofile=65536
nproc=$(ulimit -Hu); { [ "$nproc" = unlimited ] || [ "$nproc" -gt 4096 ]; } && nproc=4096
rm -rf "$work"   # nothing of an earlier run: its PKI and databases would not match this run's
mkdir -p "$work"
export CONTAINERS_CONF=$work/containers.conf
cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
P=(podman --runtime runc --cgroup-manager cgroupfs)
# Without systemd podman cannot schedule periodic health checks (it says so on every run; harmless:
# this script runs them with `podman healthcheck run`).
exec 2> >(grep --line-buffered -v 'unable to get systemd connection' >&2)
RUN=(--network host --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")
containers=()
service_pid=""
cleanup() {
  local c
  for c in "${containers[@]}"; do "${P[@]}" rm -f "$c" >/dev/null 2>&1 || true; done
  if [ -n "$service_pid" ]; then kill "$service_pid" 2>/dev/null || true; wait "$service_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ the local base images
. "$root/bin/find-jdk.sh"
portcullis_find_jdk
jdk=$JAVA_HOME

copy_with_libraries() {  # copy_with_libraries ROOTFS FILE...: files and their shared-library closure
  local r=$1 f; shift
  for f in "$@" $( { for f in "$@"; do [ -e "$f" ] && ldd "$f" 2>/dev/null || true; done; } | grep -o '/[^ ]*' | grep -v '/\.\./' | sort -u); do
    [ -e "$f" ] || continue
    mkdir -p "$r$(dirname "$f")"; cp -aL "$f" "$r$f"
  done
}

minimal_rootfs() {  # minimal_rootfs ROOTFS EXTRA_FILE...: shell, coreutils, curl, openssl, useradd, users
  local r=$1; shift
  mkdir -p "$r"/{bin,sbin,lib,lib64,usr/bin,usr/sbin,usr/lib,etc/default,etc/ssl,tmp,var/tmp,var/log,home,root,proc,sys,dev,run}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  local tools="/bin/sh /bin/dash /bin/bash /usr/bin/env /bin/ls /bin/cat /bin/cp /bin/mv /bin/rm /bin/mkdir /bin/chmod
    /bin/chown /bin/ln /bin/echo /bin/sleep /bin/id /bin/tar /bin/gzip /bin/grep /bin/sed /bin/ps /bin/kill /bin/date
    /bin/touch /bin/uname /usr/bin/head /usr/bin/tail /usr/bin/dirname /usr/bin/basename /usr/bin/readlink
    /usr/bin/realpath /usr/bin/test /usr/bin/[ /usr/bin/find /usr/bin/xargs /usr/bin/wc /usr/bin/sort /usr/bin/tr
    /usr/bin/cut /usr/bin/stat /usr/bin/timeout /usr/bin/awk /usr/bin/mawk /usr/bin/getent /usr/bin/curl /usr/bin/openssl
    /usr/bin/printf /usr/sbin/useradd /usr/sbin/groupadd /usr/sbin/nologin
    /lib/x86_64-linux-gnu/libnss_files.so.2 /lib/x86_64-linux-gnu/libnss_dns.so.2"
  # shellcheck disable=SC2086
  copy_with_libraries "$r" $tools "$@"
  cp -a /etc/ssl/certs "$r/etc/ssl/"; cp -aL /etc/ssl/openssl.cnf "$r/etc/ssl/"
  mkdir -p "$r/usr/lib/ssl"; cp -a /usr/lib/ssl/. "$r/usr/lib/ssl/"
  [ -d /usr/lib/x86_64-linux-gnu/ossl-modules ] && cp -a /usr/lib/x86_64-linux-gnu/ossl-modules "$r/usr/lib/x86_64-linux-gnu/"
  cp -a /etc/login.defs "$r/etc/"; cp -a /etc/default/useradd "$r/etc/default/" 2>/dev/null || true
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  printf 'root:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n' >"$r/etc/shadow"
  printf 'root:*::\nnogroup:*::\n' >"$r/etc/gshadow"; chmod 640 "$r/etc/shadow" "$r/etc/gshadow"
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$r/etc/nsswitch.conf"
  printf '127.0.0.1 localhost\n' >"$r/etc/hosts"
}

import_rootfs() {  # import_rootfs ROOTFS IMAGE CHANGE...
  local r=$1 image=$2; shift 2
  local changes=() c
  for c in "$@"; do changes+=(--change "$c"); done
  tar --numeric-owner -C "$r" -c . | "${P[@]}" import -q "${changes[@]}" - "$image" >/dev/null
}

log "runtime base $BASE_IMAGE: jlinked JDK 25 ($jdk) + shell, curl, openssl, useradd"
rm -rf "$work/base"
mkdir -p "$work/base/opt/java"
"$jdk/bin/jlink" --add-modules "$("$jdk/bin/java" --list-modules | sed 's/@.*//' | grep -v -x -e jdk.jlink -e jdk.jpackage -e "jdk.incubator.*" | paste -sd, -)" \
  --strip-debug --no-man-pages --no-header-files --output "$work/base/opt/java/openjdk"
minimal_rootfs "$work/base" "$work/base/opt/java/openjdk/bin/java" $(find "$work/base/opt/java/openjdk" -name '*.so')
import_rootfs "$work/base" "$BASE_IMAGE" 'ENV JAVA_HOME=/opt/java/openjdk' \
  'ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'ENV LANG=C.UTF-8'
if ! "${P[@]}" run --rm "${RUN[@]}" "$BASE_IMAGE" java -version >"$work/base-check.log" 2>&1; then
  log "SKIP: podman cannot run a container here: $(tail -n 3 "$work/base-check.log" | tr '\n' ' ')"
  exit 0
fi

log "origin image $ORIGIN_IMAGE: the host's nginx"
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || die "needs nginx on the host for the origin image (apt-get install nginx-light)"
rm -rf "$work/origin"
minimal_rootfs "$work/origin" "$nginx_bin" $(find /usr/lib/nginx/modules -name '*.so' 2>/dev/null)
mkdir -p "$work/origin/etc/nginx" "$work/origin/var/lib/nginx" "$work/origin/var/log/nginx" "$work/origin/usr/share/nginx/html"
echo "origin: hello from nginx" >"$work/origin/usr/share/nginx/html/index.html"
cp -a /etc/nginx/mime.types "$work/origin/etc/nginx/" 2>/dev/null || : >"$work/origin/etc/nginx/mime.types"
cat >"$work/origin/etc/nginx/nginx.conf" <<'EOF'
daemon off;
user nobody nogroup;
worker_processes 1;
error_log /dev/stderr warn;
pid /tmp/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path /tmp/body; proxy_temp_path /tmp/proxy; fastcgi_temp_path /tmp/fastcgi;
    uwsgi_temp_path /tmp/uwsgi; scgi_temp_path /tmp/scgi;
    include /etc/nginx/mime.types;
    server { listen 127.0.0.1:__PORT__; root /usr/share/nginx/html; }
}
EOF
import_rootfs "$work/origin" "$ORIGIN_IMAGE" "CMD [\"$nginx_bin\", \"-c\", \"/etc/nginx/nginx.conf\"]"

# ------------------------------------------------------------------ the image, as the Dockerfile builds it
archive=$(ls "$root"/proxy-core/target/portcullis-*.tar.gz 2>/dev/null | head -n 1 || true)
[ -n "$archive" ] || die "no distribution archive: run bin/mvn package first"
log "image $IMAGE: docker/Dockerfile, BASE_IMAGE=$BASE_IMAGE, DIST_STAGE=prebuilt-dist ($(basename "$archive"))"
rm -rf "$here/.build" "$work/repack"
mkdir -p "$here/.build" "$work/repack"
tar -xzf "$archive" -C "$work/repack"
mv "$work/repack"/portcullis-* "$work/repack/portcullis"
tar -C "$work/repack" -czf "$here/.build/portcullis.tar.gz" portcullis
"${P[@]}" build -q --format docker --pull=never --network host \
  --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc" \
  --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg DIST_STAGE=prebuilt-dist \
  -f "$here/Dockerfile" -t "$IMAGE" "$root" >"$work/build.log" 2>&1 || die "podman build: $(tail -n 20 "$work/build.log")"
rm -rf "$here/.build"
inspect() { podman image inspect "$IMAGE" --format "$1"; }
[ "$(inspect '{{.Config.User}}')" = 10001 ] || die "the image does not run as the unprivileged user"
inspect '{{json .Config.ExposedPorts}}' | grep -q '8443/tcp' || die "the image does not expose 8443"
inspect '{{json .Config.ExposedPorts}}' | grep -q '9901/tcp' || die "the image does not expose 9901"
inspect '{{json .Config.Healthcheck}}' | grep -q healthz || die "the image has no health check on /healthz"
[ "$("${P[@]}" run --rm "${RUN[@]}" "$IMAGE" --version | head -n 1)" != "" ] || die "portcullis --version printed nothing"

# ------------------------------------------------------------------ the compose services, step by step
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
edge_port=$(free_port) admin_port=$(free_port) origin_port=$(free_port)
pki=$work/pki data=$work/data
rm -rf "$pki" "$data"; mkdir -p "$pki" "$data"; chmod 777 "$pki" "$data"
# The compose edge config, with host networking: loopback ports instead of service names.
sed -e "s|listen: 0.0.0.0:8443|listen: 127.0.0.1:$edge_port|" -e "s|admin: 127.0.0.1:9901|admin: 127.0.0.1:$admin_port|" \
  -e "s|url: \"http://origin:80\"|url: \"http://127.0.0.1:$origin_port\"|" "$here/edge.yaml" >"$work/edge.yaml"
grep -q "127.0.0.1:$origin_port" "$work/edge.yaml" || die "docker/edge.yaml changed shape: cannot point it at the origin"

log "service pki: portcullis pki into $pki"
"${P[@]}" run --rm "${RUN[@]}" -v "$pki:/pki" -v "$here/pki.sh:/etc/portcullis/pki.sh:ro" --entrypoint /bin/sh \
  "$IMAGE" /etc/portcullis/pki.sh >"$work/pki.log" 2>&1 || die "pki service: $(cat "$work/pki.log")"
[ -f "$pki/ready" ] || die "pki service did not finish"

log "service origin: nginx on 127.0.0.1:$origin_port"
sed -i "s/__PORT__/$origin_port/" "$work/origin/etc/nginx/nginx.conf"
"${P[@]}" run -d --name portcullis-test-origin "${RUN[@]}" -v "$work/origin/etc/nginx/nginx.conf:/etc/nginx/nginx.conf:ro" \
  "$ORIGIN_IMAGE" >/dev/null
containers+=(portcullis-test-origin)

log "service edge: the image's own command, config at /etc/portcullis/edge.yaml, data in /var/lib/portcullis"
"${P[@]}" run -d --name portcullis-test-edge "${RUN[@]}" -e PORTCULLIS_ADMIN_PORT="$admin_port" \
  -v "$pki:/pki:ro" -v "$data:/var/lib/portcullis" -v "$work/edge.yaml:/etc/portcullis/edge.yaml:ro" \
  -v "$here/revocation.js:/etc/portcullis/revocation.js:ro" "$IMAGE" >/dev/null 2>"$work/edge-run.err" \
  || die "edge container: $(cat "$work/edge-run.err")"
containers+=(portcullis-test-edge)
healthy=0
for _ in $(seq 1 240); do
  if "${P[@]}" healthcheck run portcullis-test-edge >/dev/null 2>&1; then healthy=1; break; fi
  [ "$(podman inspect portcullis-test-edge --format '{{.State.Running}}')" = true ] \
    || die "the edge exited: $(podman logs portcullis-test-edge 2>&1 | tail -n 20)"
  sleep 0.5
done
[ "$healthy" = 1 ] || die "the edge never became healthy: $(podman logs portcullis-test-edge 2>&1 | tail -n 20)"
[ "$("${P[@]}" exec portcullis-test-edge id -u)" = 10001 ] || die "the edge does not run as uid 10001"

log "service client: the blog's curl steps"
"${P[@]}" run --rm "${RUN[@]}" --user 10001 -e EDGE="localhost:$edge_port" -v "$pki:/pki:ro" \
  -v "$here/client.sh:/etc/portcullis/client.sh:ro" --entrypoint /bin/sh "$IMAGE" /etc/portcullis/client.sh \
  | tee "$work/client.log" >&2 || die "client steps failed (above)"
grep -q '"connectionStatus":"Failed:ConnectionFunctionDenied"' <(podman logs portcullis-test-edge 2>&1) \
  || die "the connection log (the edge's stdout) has no record of the denied revoked client"

log "the blog's last step: revoke client live (kvs put in the edge container), then it is refused"
serial=$(awk '/^client /{print $2}' <("${P[@]}" run --rm "${RUN[@]}" -v "$pki:/pki:ro" "$IMAGE" pki list --dir /pki))
[ -n "$serial" ] || die "no serial for client in pki list"
"${P[@]}" exec portcullis-test-edge portcullis kvs put --store revoked-serials --admin "http://127.0.0.1:$admin_port" \
  --key "$serial" --value "revoked live" >"$work/kvs.log" 2>&1 || die "kvs put: $(cat "$work/kvs.log")"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/Root_CA.pem" --cert "$pki/client-chain.pem" \
  --key "$pki/client.key" "https://localhost:$edge_port/" || true)
[ "$code" = 000 ] || die "client after its live revocation: expected refused, got $code"
log "ok    client revoked live: refused"
[ -f "$data/kvs.sqlite" ] || die "no kvs.sqlite in the data volume"

log "SIGTERM drains and stops the edge"
"${P[@]}" stop -t 20 portcullis-test-edge >/dev/null 2>&1
podman logs portcullis-test-edge 2>&1 | grep -q 'stopped' || die "the edge did not log its orderly stop"
log "Testcontainers: container-tests' ImageTest against the image, through podman's Docker-compatible API"
sock=$work/podman.sock
rm -f "$sock"
podman system service --time=0 "unix://$sock" >"$work/podman-service.log" 2>&1 &
service_pid=$!
for _ in $(seq 1 100); do
  [ -S "$sock" ] && curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fsS --unix-socket "$sock" http://d/_ping >/dev/null 2>&1 || die "podman system service did not start: $(cat "$work/podman-service.log")"
cp "$here/revocation.js" "$work/revocation.js"
# Ryuk (Testcontainers' reaper) is an image no registry here serves; the test closes its own container.
# This machine has a /.dockerenv, from which Testcontainers would guess it runs in a container.
DOCKER_HOST="unix://$sock" TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=localhost \
  "$root/bin/mvn" -q -pl container-tests verify -Dportcullis.image="$IMAGE" -Dportcullis.work="$work" \
  -Dportcullis.edgePort="$edge_port" -Dportcullis.adminPort="$admin_port" >"$work/testcontainers.log" 2>&1 \
  || die "ImageTest (Testcontainers): $(grep -E 'Tests run|FAIL|ERROR|Expect|expected|but was' "$work/testcontainers.log" | head -n 20)"
grep -q 'Tests run: 1, Failures: 0, Errors: 0, Skipped: 0' "$root"/container-tests/target/surefire-reports/*.txt \
  || die "ImageTest did not run: $(cat "$root"/container-tests/target/surefire-reports/*.txt 2>/dev/null)"
log "ok    ImageTest (Testcontainers): passed"
log "passed: image built from docker/Dockerfile, compose services pki, origin, edge and client behaved as the blog says"
