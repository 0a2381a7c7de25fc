/*
 * tests/install/api_job.c: a user's program of the public C API, built by tests/install/run.sh
 * against an installed sluice with `pkg-config --cflags --libs sluice` alone (no path into the
 * source tree). Runs one job file on MPI_COMM_WORLD and prints SELECT results as CSV.
 *
 *   mpirun -n 2 api_job JOB.sql OUT.csv [NAME=VALUE ...]
 */
#include <sluice/sluice.h>

#include <stdlib.h>
#include <string.h>

/* Reads the whole file at path into a NUL-terminated buffer (NULL on error). Local. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = 2 * (len + n + 1);
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = p;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        buf = calloc(1, 1);
    else
        buf[len] = '\0';
    return buf;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (argc < 3) {
        if (rank == 0)
            fprintf(stderr, "usage: api_job JOB.sql OUT.csv [NAME=VALUE ...]\n");
        MPI_Finalize();
        return 2;
    }
    char *job = read_file(argv[1]);
    if (!job) {
        perror(argv[1]);
        MPI_Abort(MPI_COMM_WORLD, 4);
    }
    /* -D NAME=VALUE pairs, the CLI's parameters. */
    int np = argc - 3;
    const char **names = calloc((size_t)np + 1, sizeof *names);
    const char **values = calloc((size_t)np + 1, sizeof *values);
    for (int i = 0; i < np; i++) {
        char *eq = strchr(argv[3 + i], '=');
        if (!eq)
            MPI_Abort(MPI_COMM_WORLD, 2);
        *eq = '\0';
        names[i] = argv[3 + i];
        values[i] = eq + 1;
    }
    FILE *out = NULL;
    if (rank == 0 && !(out = fopen(argv[2], "w"))) {
        perror(argv[2]);
        MPI_Abort(MPI_COMM_WORLD, 4);
    }

    sl_options o;
    sl_options_init(&o);
    o.format = "csv";
    o.quiet = 1;
    o.out = out;
    o.n_params = np;
    o.param_names = names;
    o.param_values = values;
    sl_session *s = NULL;
    int rc = sl_session_new(MPI_COMM_WORLD, &o, &s);
    if (rc == 0) {
        rc = sl_session_run(s, job, argv[1]);
        if (rc && rank == 0)
            fprintf(stderr, "api_job: %s\n", sl_session_error(s));
        if (rc)
            rc = sl_session_exit_status(s);
    } else if (rank == 0) {
        fprintf(stderr, "api_job: cannot start a session\n");
    }
    sl_session_free(&s);
    if (out)
        fclose(out);
    free(job);
    free(names);
    free(values);
    MPI_Finalize();
    return rc;
}
