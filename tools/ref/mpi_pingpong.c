/*
 * mpi_pingpong.c - an independent, minimal MPI ping-pong: the reference tools/bench/mpi.sh holds
 * `hetero mpi pingpong` against.  Nothing from hetero: plain MPI and libc, in the shape of OSU's
 * osu_latency.
 *
 *     mpicc -O2 tools/ref/mpi_pingpong.c -o mpi_pingpong
 *     mpirun -np 2 ./mpi_pingpong BYTES ROUND_TRIPS BATCHES [BYTES ROUND_TRIPS BATCHES ...]
 *
 * For each size: a warm-up of a tenth of the round trips, then BATCHES timed batches of
 * ROUND_TRIPS round trips (rank 0 sends and waits for the echo, rank 1 echoes); rank 0 prints
 * one line "BYTES best_half_round_trip_us median_us GB/s" (GB/s = bytes / best).
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double batch(char *buf, int bytes, int trips, int rank) {
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < trips; i++) {
        if (rank == 0) {
            MPI_Send(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(buf, bytes, MPI_CHAR, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Send(buf, bytes, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (MPI_Wtime() - t0) / (2.0 * trips) * 1e6;
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 2 || argc < 4 || (argc - 1) % 3 != 0) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np 2 %s BYTES ROUND_TRIPS BATCHES ...\n", argv[0]);
        MPI_Finalize();
        return 2;
    }
    for (int a = 1; a + 2 < argc; a += 3) {
        int bytes = atoi(argv[a]), trips = atoi(argv[a + 1]), batches = atoi(argv[a + 2]);
        if (bytes < 1 || trips < 1 || batches < 1 || batches > 100) {
            if (rank == 0)
                fprintf(stderr, "bad size, round trips or batches: %s %s %s\n", argv[a],
                        argv[a + 1], argv[a + 2]);
            MPI_Abort(MPI_COMM_WORLD, 2);
        }
        char *buf = malloc((size_t)bytes);
        if (!buf)
            MPI_Abort(MPI_COMM_WORLD, 1);
        memset(buf, 'r', (size_t)bytes);
        double t[100];
        batch(buf, bytes, trips / 10 > 0 ? trips / 10 : 1, rank); /* warm-up */
        for (int b = 0; b < batches; b++)
            t[b] = batch(buf, bytes, trips, rank);
        qsort(t, (size_t)batches, sizeof t[0], cmp);
        if (rank == 0)
            printf("%d %.6f %.6f %.6f\n", bytes, t[0], t[batches / 2], bytes / (t[0] * 1e3));
        free(buf);
    }
    MPI_Finalize();
    return 0;
}
