/*
 * uv_echo.c - the libuv reference for tools/bench/io.sh: read into a malloc'd buffer, write it
 * back, free on completion; prints "listening on 127.0.0.1:PORT" like `hetero io serve`.
 * Build: cc -O2 uv_echo.c $(pkg-config --cflags --libs libuv)
 */
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
