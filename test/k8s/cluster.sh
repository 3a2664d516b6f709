#!/usr/bin/env bash
# A real single-node Kubernetes for loadtest's end-to-end tests (test/k8s/e2e_test.go):
# etcd, containerd and runc from Debian; kube-apiserver, kube-controller-manager,
# kube-scheduler and kubelet built from the Go module proxy once per machine into
# $LOADTEST_K8S_CACHE (keyed by version), and CoreDNS likewise. The control plane is on
# 127.0.0.1; pods get the pod network, a CNI bridge ($BRIDGE, 10.244.0.0/24) on this machine,
# and cluster DNS from CoreDNS on the bridge's gateway 10.244.0.1 (its kubernetes plugin: a
# headless Service's names resolve straight to pod IPs, no kube-proxy). The apiserver
# enforces RBAC (Node,RBAC); runner.kubeconfig is a user with no permission of its own, for
# the tests to bind a Role to. Facts and gotchas: shared/k8s/README.md.
#
#   test/k8s/cluster.sh up      # install, build (cached), start; prints the env file to source
#   test/k8s/cluster.sh down    # stop in reverse order, unmount, remove CNI state and $RUN
#   test/k8s/cluster.sh import IMAGE.tar   # import an image tarball into the node's containerd
#
# `up` stops what it started and removes its state when a step fails (trap).
set -euo pipefail

V=${LOADTEST_K8S_VERSION:-v1.34.4}
STAGING=${V/v1./v0.}
CACHE=${LOADTEST_K8S_CACHE:-/var/cache/loadtest-k8s}
BIN=$CACHE/$V/bin
RUN=${LOADTEST_K8S_RUN:-/tmp/loadtest-k8s}
NODE=vm
SOCK=$RUN/containerd/containerd.sock
MODDIR=$(cd "$(dirname "$0")/../.." && pwd)
PAUSE_REF=local.test/pause:1
COREDNS_V=${LOADTEST_K8S_COREDNS_VERSION:-v1.15.0}
COREDNS=$CACHE/coredns-$COREDNS_V/coredns
BRIDGE=scout0
CNINET=scoutnet
GATEWAY=10.244.0.1

log() { printf '[k8s %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

install_packages() {
  local need=()
  for c in etcd:etcd-server containerd:containerd runc:runc ctr:containerd iptables:iptables conntrack:conntrack socat:socat openssl:openssl curl:curl python3:python3; do
    command -v "${c%%:*}" >/dev/null 2>&1 || need+=("${c#*:}")
  done
  [ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
  if [ ${#need[@]} -gt 0 ]; then
    log "installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

# build_binaries builds the four Kubernetes binaries into $BIN unless they are there: the
# k8s.io/kubernetes module zip has no staging modules, so its replaces become requires of the
# published k8s.io/* modules (shared/k8s/README.md, "Building the four binaries").
build_binaries() {
  local b missing=0
  for b in kube-apiserver kube-controller-manager kube-scheduler kubelet; do [ -x "$BIN/$b" ] || missing=1; done
  if [ $missing = 0 ]; then log "kubernetes $V binaries cached in $BIN"; return; fi
  log "building kubernetes $V into $BIN (about 20 minutes on 2 cores from a cold cache)"
  local start=$SECONDS src=$CACHE/src-$V dir m
  mkdir -p "$BIN"
  dir=$(go mod download -json "k8s.io/kubernetes@$V" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  rm -rf "$src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
  (
    cd "$src"
    rm -rf go.work go.work.sum vendor
    for m in $(go mod edit -json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(r["Old"]["Path"] for r in d.get("Replace") or [] if r["New"]["Path"].startswith("./staging")))'); do
      case $m in
        k8s.io/sample-apiserver|k8s.io/sample-cli-plugin|k8s.io/sample-controller) go mod edit -dropreplace="$m" -droprequire="$m" ;;
        *) go mod edit -dropreplace="$m" -require="$m@$STAGING" ;;
      esac
    done
    GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 nice -n 19 go build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$V -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${V#v1.}" \
      -o "$BIN/" ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler ./cmd/kubelet
  )
  rm -rf "$src"
  log "built kubernetes $V in $((SECONDS - start))s"
}

# build_coredns builds test/k8s/coredns/main.go (CoreDNS with its kubernetes, bind, errors,
# log and ready plugins) in a module of its own into $CACHE/coredns-$COREDNS_V unless it is
# there.
build_coredns() {
  if [ -x "$COREDNS" ]; then log "coredns $COREDNS_V cached in $COREDNS"; return; fi
  log "building coredns $COREDNS_V into $COREDNS (a few minutes on 2 cores from a cold cache)"
  local start=$SECONDS src=$CACHE/src-coredns-$COREDNS_V
  rm -rf "$src"; mkdir -p "$src" "$(dirname "$COREDNS")"
  cp "$MODDIR/test/k8s/coredns/main.go" "$src/main.go"
  sed -i '/^\/\/go:build ignore$/d' "$src/main.go"
  (
    cd "$src"
    export GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0
    go mod init loadtest.test/coredns >/dev/null 2>&1
    go get "github.com/coredns/coredns@$COREDNS_V" >/dev/null 2>&1
    go mod tidy >/dev/null 2>&1
    nice -n 19 go build -trimpath -ldflags "-s -w" -o "$COREDNS.tmp" . && mv "$COREDNS.tmp" "$COREDNS"
  )
  rm -rf "$src"
  [ -x "$COREDNS" ] || die "coredns $COREDNS_V did not build"
  log "built coredns $COREDNS_V in $((SECONDS - start))s"
}

certs() {
  local d=$RUN/pki
  mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=loadtest-test-ca -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=kube-apiserver -keyout "$d/apiserver.key" -out "$d/apiserver.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes.default.svc\n' >"$d/san.ext"
  openssl x509 -req -in "$d/apiserver.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/san.ext" -out "$d/apiserver.crt" 2>/dev/null
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  local admin node
  admin=$(openssl rand -hex 16); node=$(openssl rand -hex 16); runner=$(openssl rand -hex 16)
  echo "$admin" >"$d/admin.token"
  printf '%s,admin,admin,system:masters\n%s,system:node:%s,%s,system:nodes\n%s,e2e-runner,e2e-runner\n' \
    "$admin" "$node" "$NODE" "$NODE" "$runner" >"$d/tokens.csv"
  kubeconfig "$RUN/admin.kubeconfig" admin "$admin"
  kubeconfig "$RUN/node.kubeconfig" "system:node:$NODE" "$node"
  kubeconfig "$RUN/runner.kubeconfig" e2e-runner "$runner"
}

kubeconfig() {
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster: {server: "https://127.0.0.1:6443", certificate-authority: "$RUN/pki/ca.crt"}
users:
- name: $2
  user: {token: "$3"}
contexts:
- name: test
  context: {cluster: test, user: "$2", namespace: default}
current-context: test
KC
}

# start NAME CMD...: start a process in the background, its output in $RUN/logs/NAME.log and
# its PID in $RUN/pids/NAME.
start() {
  local name=$1; shift
  mkdir -p "$RUN/logs" "$RUN/pids"
  "$@" >"$RUN/logs/$name.log" 2>&1 &
  echo $! >"$RUN/pids/$name"
  echo "$name" >>"$RUN/pids/order"
}

# wait_for WHAT SECONDS CMD...: retry CMD every half second.
wait_for() {
  local what=$1 secs=$2; shift 2
  local i
  for ((i = 0; i < secs * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    dead_process && break
    sleep 0.5
  done
  log "$what did not come up (within ${secs}s, or a process it needs exited); the last lines of the logs:"
  tail -n 20 "$RUN"/logs/*.log >&2 || true
  return 1
}

# dead_process says (and succeeds) when a process the harness started has exited: no need to
# wait for what depends on it.
dead_process() {
  local name
  for name in $(cat "$RUN/pids/order" 2>/dev/null); do
    [ -f "$RUN/pids/$name" ] || continue
    if ! kill -0 "$(cat "$RUN/pids/$name")" 2>/dev/null; then
      log "$name exited"
      return 0
    fi
  done
  return 1
}

# api PATH: GET from the apiserver as admin (curl: kubectl need not be installed).
api() { curl -sf --cacert "$RUN/pki/ca.crt" -H "Authorization: Bearer $(cat "$RUN/pki/admin.token")" "https://127.0.0.1:6443$1"; }

node_ready() {
  api "/api/v1/nodes/$NODE" | python3 -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if any(c["type"]=="Ready" and c["status"]=="True" for c in d["status"].get("conditions",[])) else 1)'
}

cluster_up() {
  [ ! -e "$RUN/pids" ] || die "$RUN exists: a cluster is up or was not torn down (test/k8s/cluster.sh down)"
  local up_start=$SECONDS built=""
  trap 'log "up failed: tearing down"; cluster_down' EXIT
  install_packages
  [ -x "$BIN/kube-apiserver" ] && [ -x "$BIN/kubelet" ] || built="kubernetes $V"
  [ -x "$COREDNS" ] || built="${built:+$built and }coredns $COREDNS_V"
  local build_start=$SECONDS
  build_binaries
  build_coredns
  local build_secs=$((SECONDS - build_start))
  # The apiserver reaches the kubelet (logs) at the node's name: it must be 127.0.0.1.
  if ! getent hosts "$NODE" | grep -q '^127\.0\.0\.1'; then
    log "adding '127.0.0.1 $NODE' to /etc/hosts"
    echo "127.0.0.1 $NODE # loadtest test/k8s" >>/etc/hosts
  fi
  getent hosts "$NODE" | grep -q '^127\.0\.0\.1' || die "the node name $NODE must resolve to 127.0.0.1 (add '127.0.0.1 $NODE' to /etc/hosts)"
  mkdir -p "$RUN"/{etcd,kubelet,podlogs,cni/net.d,containerd}
  certs
  local p=$RUN/pki
  start etcd etcd --data-dir "$RUN/etcd" --name "$NODE" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster "$NODE=http://127.0.0.1:2380"
  wait_for etcd 30 bash -c 'exec 3<>/dev/tcp/127.0.0.1/2379'
  start kube-apiserver "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 --bind-address=127.0.0.1 \
    --secure-port=6443 --tls-cert-file="$p/apiserver.crt" --tls-private-key-file="$p/apiserver.key" \
    --client-ca-file="$p/ca.crt" --token-auth-file="$p/tokens.csv" --authorization-mode=Node,RBAC \
    --service-account-key-file="$p/sa.pub" --service-account-signing-key-file="$p/sa.key" \
    --service-account-issuer=https://kubernetes.default.svc --service-cluster-ip-range=10.0.0.0/24 \
    --kubelet-preferred-address-types=Hostname
  wait_for kube-apiserver 60 api /readyz
  bridge
  start_coredns
  start kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$RUN/admin.kubeconfig" \
    --service-account-private-key-file="$p/sa.key" --root-ca-file="$p/ca.crt" --leader-elect=false \
    --controllers='*,-nodeipam' --bind-address=127.0.0.1
  start kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$RUN/admin.kubeconfig" --leader-elect=false --bind-address=127.0.0.1
  sed "s|\$RUN|$RUN|g" "$MODDIR/test/k8s/containerd-config.toml" >"$RUN/containerd/config.toml"
  sed -e "s|\$RUN|$RUN|g" -e "s|\$GATEWAY|$GATEWAY|g" "$MODDIR/test/k8s/kubelet-config.yaml" >"$RUN/kubelet-config.yaml"
  sed -e "s|@BRIDGE@|$BRIDGE|g" -e "s|@NET@|$CNINET|g" "$MODDIR/test/k8s/cni.conflist" >"$RUN/cni/net.d/10-$CNINET.conflist"
  start containerd containerd --config "$RUN/containerd/config.toml"
  wait_for containerd 30 ctr -a "$SOCK" version
  pause_image
  start kubelet "$BIN/kubelet" --config="$RUN/kubelet-config.yaml" --kubeconfig="$RUN/node.kubeconfig" \
    --root-dir="$RUN/kubelet" --hostname-override="$NODE"
  wait_for "node $NODE Ready" 90 node_ready
  wait_for "service account default/default" 60 api /api/v1/namespaces/default/serviceaccounts/default
  cat >"$RUN/env" <<ENV
export KUBECONFIG=$RUN/admin.kubeconfig
export LOADTEST_TEST_K8S_KUBECONFIG=$RUN/admin.kubeconfig
export LOADTEST_TEST_K8S_HARNESS=$MODDIR/test/k8s/cluster.sh
export LOADTEST_TEST_K8S_RUN=$RUN
export LOADTEST_TEST_K8S_RUNNER_KUBECONFIG=$RUN/runner.kubeconfig
ENV
  trap - EXIT
  if [ -n "$built" ]; then
    log "harness cold: built $built in ${build_secs}s, cluster up in $((SECONDS - up_start - build_secs))s after it"
  else
    log "harness warm: binaries cached, cluster up in $((SECONDS - up_start))s"
  fi
  log "cluster up: source $RUN/env"
  echo "$RUN/env"
}

# bridge makes the CNI bridge with the gateway address before any pod does (the bridge plugin
# then finds it as it wants it), so that CoreDNS can bind to the gateway first.
bridge() {
  ip link show "$BRIDGE" >/dev/null 2>&1 || ip link add "$BRIDGE" type bridge
  ip addr replace "$GATEWAY/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# start_coredns serves cluster.local on $GATEWAY:53 (the kubelet's clusterDNS) from the
# apiserver (as admin), and says it is ready on $GATEWAY:8181 once its kubernetes plugin has
# synced.
start_coredns() {
  cat >"$RUN/Corefile" <<CF
cluster.local:53 {
  bind $GATEWAY
  errors
  kubernetes cluster.local {
    kubeconfig $RUN/admin.kubeconfig test
  }
  ready $GATEWAY:8181
}
CF
  start coredns "$COREDNS" -conf "$RUN/Corefile"
  wait_for coredns 60 curl -sf "http://$GATEWAY:8181/ready"
}

pause_image() {
  local out=$RUN/images
  mkdir -p "$out"
  (cd "$MODDIR" && CGO_ENABLED=0 go build -trimpath -o "$out/pause" ./test/k8s/pause &&
    go run ./test/k8s/ociimage -binary "$out/pause" -ref "$PAUSE_REF" -out "$out/pause.tar")
  import_image "$out/pause.tar"
}

import_image() { ctr -a "$SOCK" -n k8s.io images import "$1" >&2; }

# stop NAME: SIGTERM the process by its PID, then SIGKILL after 15 s.
stop() {
  local f=$RUN/pids/$1 pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

# shim_pids lists the containerd shims (and so the containers) of this cluster: the processes
# whose command line names this cluster's containerd socket.
shim_pids() {
  local d
  for d in /proc/[0-9]*; do
    tr '\0' ' ' <"$d/cmdline" 2>/dev/null | grep -qF -- "$SOCK" && echo "${d#/proc/}"
  done
  return 0
}

cluster_down() {
  trap - EXIT
  set +e
  [ -d "$RUN" ] || { log "nothing to tear down at $RUN"; return 0; }
  stop kubelet
  if [ -S "$SOCK" ]; then
    local t
    for t in $(ctr -a "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do ctr -a "$SOCK" -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1; done
    sleep 1
    for t in $(ctr -a "$SOCK" -n k8s.io tasks ls -q 2>/dev/null); do ctr -a "$SOCK" -n k8s.io tasks delete -f "$t" >/dev/null 2>&1; done
  fi
  stop containerd
  local pid
  for pid in $(shim_pids); do kill -KILL "$pid" 2>/dev/null; done
  stop coredns
  stop kube-scheduler
  stop kube-controller-manager
  stop kube-apiserver
  stop etcd
  # Unmount what the kubelet and containerd mounted below $RUN, deepest first.
  awk -v r="$RUN" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  ip link delete "$BRIDGE" 2>/dev/null
  rm -rf "/var/lib/cni/networks/$CNINET" "/var/lib/cni/results"/"$CNINET"-* 2>/dev/null
  rm -rf "$RUN"
  log "cluster down: processes stopped, $RUN removed"
  return 0
}

case ${1:-} in
  up) cluster_up ;;
  down) cluster_down ;;
  import) [ -n "${2:-}" ] || die "import: name an image tarball"; import_image "$2" ;;
  build) install_packages; build_binaries; build_coredns ;;
  build-coredns) build_coredns ;;
  *) echo "usage: $0 up|down|import IMAGE.tar|build" >&2; exit 2 ;;
esac
