/*
 * test_io_faults.c - `hetero io serve` in every model, run out of descriptors on purpose.
 *
 * The server runs as its own process with RLIMIT_NOFILE lowered to 40 (what `ulimit -n 40`
 * does), so it can hold only ~30 connections.  80 clients connect, each sends a byte, then all
 * of them close.  A server that treated EMFILE like EAGAIN left the connections it could not
 * accept in the listen backlog; an edge-triggered one then never heard of the listening socket
 * again and a new client never got its echo.  Every model must serve the new client.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hx_io_serve.h"
#include "hx_test.h"

#define FD_LIMIT 40
#define CLIENTS  80

static int connect_port(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* A fresh client sends a message and must get it back within 5 s. */
static bool new_client_is_served(int port) {
    int fd = connect_port(port);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    const char msg[] = "still serving?";
    bool ok = send(fd, msg, sizeof msg, MSG_NOSIGNAL) == (ssize_t)sizeof msg;
    char back[sizeof msg];
    size_t got = 0;
    while (ok && got < sizeof back) {
        ssize_t r = recv(fd, back + got, sizeof back - got, 0);
        if (r <= 0)
            ok = false;
        else
            got += (size_t)r;
    }
    close(fd);
    return ok && memcmp(back, msg, sizeof msg) == 0;
}

static void serves_after_running_out_of_descriptors(const char *model) {
    hx_serve_proc sp = hx_serve_start(model, FD_LIMIT);
    if (sp.pid < 0)
        skip();
    int fds[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        fds[i] = connect_port(sp.port); /* the kernel completes them into the backlog */
        char byte = 'x';
        assert_int_equal(send(fds[i], &byte, 1, MSG_NOSIGNAL), 1);
    }
    usleep(200 * 1000); /* the server meets EMFILE meanwhile */
    for (int i = 0; i < CLIENTS; i++)
        close(fds[i]);
    usleep(100 * 1000);
    bool served = new_client_is_served(sp.port);
    if (!served)
        print_error("%s: no echo for a new client after EMFILE\n", model);
    assert_int_equal(hx_serve_stop(sp, SIGTERM), 0);
    assert_true(served);
}

#define FAULT_TEST(fn, name)                                                                       \
    static void fn(void **state) {                                                                 \
        (void)state;                                                                               \
        serves_after_running_out_of_descriptors(name);                                             \
    }

FAULT_TEST(emfile_blocking_thread, "blocking-thread")
FAULT_TEST(emfile_blocking_fork, "blocking-fork")
FAULT_TEST(emfile_nonblocking_poll, "nonblocking-poll")
FAULT_TEST(emfile_select, "select")
FAULT_TEST(emfile_poll, "poll")
FAULT_TEST(emfile_epoll_lt, "epoll-lt")
FAULT_TEST(emfile_epoll_et, "epoll-et")
FAULT_TEST(emfile_sigio, "sigio")
FAULT_TEST(emfile_posix_aio, "posix-aio")
FAULT_TEST(emfile_io_uring, "io_uring")
FAULT_TEST(emfile_auto, "auto")
FAULT_TEST(emfile_epoll_reuseport, "epoll-reuseport")
FAULT_TEST(emfile_epoll_threads, "epoll-threads")
FAULT_TEST(emfile_coroutine, "coroutine")

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(emfile_blocking_thread),
        cmocka_unit_test(emfile_blocking_fork),
        cmocka_unit_test(emfile_nonblocking_poll),
        cmocka_unit_test(emfile_select),
        cmocka_unit_test(emfile_poll),
        cmocka_unit_test(emfile_epoll_lt),
        cmocka_unit_test(emfile_epoll_et),
        cmocka_unit_test(emfile_sigio),
        cmocka_unit_test(emfile_posix_aio),
        cmocka_unit_test(emfile_io_uring),
        cmocka_unit_test(emfile_auto),
        cmocka_unit_test(emfile_epoll_reuseport),
        cmocka_unit_test(emfile_epoll_threads),
        cmocka_unit_test(emfile_coroutine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
