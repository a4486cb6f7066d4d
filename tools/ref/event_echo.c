/*
 * event_echo.c - the libevent reference for tools/bench/io.sh: a minimal echo server on
 * bufferevents (echo the input buffer to the output), printing "listening on 127.0.0.1:PORT"
 * like `hetero io serve`.  Build: cc -O2 event_echo.c $(pkg-config --cflags --libs libevent)
 */
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
