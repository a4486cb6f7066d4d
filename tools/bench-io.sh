#!/usr/bin/env bash
# bench-io.sh - measure every IO model of `hetero io`, and compare the epoll and io_uring
# servers with a minimal libevent and a minimal libuv echo server at 100 connections.
#
#   tools/bench-io.sh                 DURATION=1s CONNS=1,10,100,1000 SIZE=64 by default
#   DURATION=3s tools/bench-io.sh     longer windows on a quiet machine
#   TABLE=0 REPS=9 tools/bench-io.sh  only the libevent/libuv comparison, more rounds
#
# Part 1: `hetero io bench` over every model and connection count (servers in-process).
# Part 2: the reference.  Each server runs as its own process - ours with `hetero io serve`,
# the libevent and libuv ones compiled here from the ~40-line sources below into a temp
# directory (never installed, never committed) - and is driven by the same load generator
# through --target, so every server pays the same process boundary and loopback.
# Needs libevent-dev and libuv1-dev (Debian); part 2 is skipped, saying so, without them.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
hetero=${HETERO:-$root/build/release/hetero}
duration=${DURATION:-1s}
conns=${CONNS:-1,10,100,1000}
size=${SIZE:-64}
ref_conns=${REF_CONNS:-100}
reps=${REPS:-5}

[ -x "$hetero" ] || { echo "bench-io: build first (cmake --preset release && cmake --build --preset release)" >&2; exit 2; }

if [ "${TABLE:-1}" = 1 ]; then   # TABLE=0: only the reference comparison
    echo "== hetero io bench: every model, closed loop, ${size}-byte messages, ${duration} per point"
    "$hetero" io bench --model=all --conns="$conns" --size="$size" --duration="$duration" || true
fi

tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$tmp"
}
trap cleanup EXIT

cat > "$tmp/event_echo.c" <<'C'
/* minimal libevent echo server: bufferevents, echo input to output */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
static void on_read(struct bufferevent *bev, void *arg) {
    (void)arg;
    evbuffer_add_buffer(bufferevent_get_output(bev), bufferevent_get_input(bev));
}
static void on_event(struct bufferevent *bev, short what, void *arg) {
    (void)arg;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
        bufferevent_free(bev);
}
static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
    (void)l, (void)sa, (void)len;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct bufferevent *bev = bufferevent_socket_new(arg, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
}
int main(void) {
    signal(SIGPIPE, SIG_IGN);
    struct event_base *base = event_base_new();
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct evconnlistener *l = evconnlistener_new_bind(base, on_accept, base,
        LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE, 4096, (struct sockaddr *)&sin, sizeof sin);
    if (!l) return 1;
    socklen_t len = sizeof sin;
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &len);
    printf("listening on 127.0.0.1:%d\n", ntohs(sin.sin_port));
    fflush(stdout);
    return event_base_dispatch(base);
}
C

cat > "$tmp/uv_echo.c" <<'C'
/* minimal libuv echo server: read into a malloc'd buffer, write it back, free on completion */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>
typedef struct { uv_write_t req; uv_buf_t buf; } write_req;
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
    (void)h;
    *buf = uv_buf_init(malloc(hint), (unsigned)hint);
}
static void on_close(uv_handle_t *h) { free(h); }
static void on_written(uv_write_t *req, int status) {
    (void)status;
    write_req *w = (write_req *)req;
    free(w->buf.base);
    free(w);
}
static void on_read(uv_stream_t *client, ssize_t n, const uv_buf_t *buf) {
    if (n > 0) {
        write_req *w = malloc(sizeof *w);
        w->buf = uv_buf_init(buf->base, (unsigned)n);
        uv_write(&w->req, client, &w->buf, 1, on_written);
        return;
    }
    free(buf->base);
    if (n < 0)
        uv_close((uv_handle_t *)client, on_close);
}
static void on_connection(uv_stream_t *server, int status) {
    if (status < 0) return;
    uv_tcp_t *client = malloc(sizeof *client);
    uv_tcp_init(server->loop, client);
    if (uv_accept(server, (uv_stream_t *)client) == 0) {
        uv_tcp_nodelay(client, 1);
        uv_read_start((uv_stream_t *)client, on_alloc, on_read);
    } else {
        uv_close((uv_handle_t *)client, on_close);
    }
}
int main(void) {
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    struct sockaddr_in addr;
    uv_tcp_init(loop, &server);
    uv_ip4_addr("127.0.0.1", 0, &addr);
    if (uv_tcp_bind(&server, (const struct sockaddr *)&addr, 0) ||
        uv_listen((uv_stream_t *)&server, 4096, on_connection))
        return 1;
    int len = sizeof addr;
    uv_tcp_getsockname(&server, (struct sockaddr *)&addr, &len);
    printf("listening on 127.0.0.1:%d\n", ntohs(addr.sin_port));
    fflush(stdout);
    return uv_run(loop, UV_RUN_DEFAULT);
}
C

built=()
if pkg-config --exists libevent 2>/dev/null &&
   cc -O2 -o "$tmp/event_echo" "$tmp/event_echo.c" $(pkg-config --cflags --libs libevent); then
    built+=(libevent)
else
    echo "bench-io: libevent-dev missing; skipping the libevent reference" >&2
fi
if pkg-config --exists libuv 2>/dev/null &&
   cc -O2 -o "$tmp/uv_echo" "$tmp/uv_echo.c" $(pkg-config --cflags --libs libuv); then
    built+=(libuv)
else
    echo "bench-io: libuv1-dev missing; skipping the libuv reference" >&2
fi

# start_server NAME CMD...: run it in the background, wait for its "listening on" line and
# record its port in port[NAME] (not in a $(...) subshell: the pid must reach cleanup)
declare -A port spid
start_server() {
    local name=$1
    shift
    : > "$tmp/$name.out"
    "$@" > "$tmp/$name.out" 2>&1 &
    pids+=($!)
    spid[$name]=$!
    for _ in $(seq 100); do
        if grep -q '^listening on' "$tmp/$name.out"; then
            port[$name]=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$tmp/$name.out" | head -1)
            return 0
        fi
        sleep 0.05
    done
    echo "bench-io: $name did not start: $(cat "$tmp/$name.out")" >&2
    exit 1
}

echo
echo "== reference: ${ref_conns} connections, ${size}-byte messages, each server its own process,"
echo "   ${reps} rounds of ${duration}; medians over the rounds.  CPU: the server process's"
echo "   utime+stime from /proc/PID/stat around each run, per message (less noisy than msgs/s"
echo "   when other work shares the cores)"
for m in epoll-lt epoll-et io_uring; do
    start_server "$m" "$hetero" io serve --model="$m" --port=0
done
for r in "${built[@]}"; do
    case $r in
        libevent) start_server "$r" "$tmp/event_echo" ;;
        libuv) start_server "$r" "$tmp/uv_echo" ;;
    esac
done
tck=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
names=(epoll-lt epoll-et io_uring "${built[@]}")
declare -A mps_list cpu_list p50_list p99_list
for _ in $(seq "$reps"); do   # rounds over all servers, so load from elsewhere hits all alike
    for name in "${names[@]}"; do
        c0=$(cpu_ticks "${spid[$name]}")
        l=$("$hetero" io bench --target=127.0.0.1:"${port[$name]}" --model="$name" \
            --conns="$ref_conns" --size="$size" --duration="$duration" --format=csv | tail -1)
        c1=$(cpu_ticks "${spid[$name]}")
        IFS=, read -r _ _ msgs _ mps _ p50 p99 _ <<< "$l"
        mps_list[$name]+="$mps "
        p50_list[$name]+="$p50 "
        p99_list[$name]+="$p99 "
        cpu_list[$name]+="$(awk -v d=$((c1 - c0)) -v t="$tck" -v m="$msgs" \
                             'BEGIN{printf "%.4f", (m > 0 ? d / t / m * 1e6 : 0)}') "
    done
done
median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{a[NR]=$1} END{print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf '%-10s %12s %10s %10s %14s\n' server "msgs/s" "p50 us" "p99 us" "CPU us/msg"
for name in "${names[@]}"; do
    m=$(echo "${mps_list[$name]}" | median)
    a=$(echo "${p50_list[$name]}" | median)
    b=$(echo "${p99_list[$name]}" | median)
    c=$(echo "${cpu_list[$name]}" | median)
    awk -v n="$name" -v m="$m" -v a="$a" -v b="$b" -v c="$c" \
        'BEGIN{printf "%-10s %12.0f %10.1f %10.1f %14.2f\n", n, m, a*1e6, b*1e6, c}'
done
echo "(all rounds, msgs/s:)"
for name in "${names[@]}"; do echo "  $name: ${mps_list[$name]}"; done
