/*
 * The sluice command: a thin wrapper that parses options, reads the job file on rank 0,
 * broadcasts it and hands it to the library (sl_session_run). The only place allowed to exit
 * the process or abort the MPI job.
 */
#include <mpi.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/sluice.h"
#include "core/fault.h"
#include "core/mem.h"
#include "core/retry.h"
#include "core/signals.h"
#include "core/size.h"
#include "io/format.h"
#include "mpi/startup.h"
#include "cli/result_file.h"

static const char usage[] =
    "usage: sluice run JOB.sql [options]      run every statement of a job\n"
    "       sluice run - [options]            ... of a job read from standard input\n"
    "       sluice -c SQL [options]           run the statements given as an argument\n"
    "       sluice explain JOB.sql [options]  print the distributed plan of each query\n"
    "       sluice --help | --version\n"
    "\n"
    "Run it under MPI to use several ranks (mpirun -n 4 sluice run job.sql); without mpirun it\n"
    "runs on one rank.\n"
    "\n"
    "options:\n"
    "  -c, --command SQL            run SQL (one or more statements) instead of a job file\n"
    "  -D, --define NAME=VALUE      VALUE is the value of ${NAME} in the job file (repeatable)\n"
    "  --format table|csv           how SELECT results print on stdout (default: table;\n"
    "                               csv = RFC 4180 with a header line)\n"
    "  -o, --output FILE            write what the job prints into FILE instead of stdout\n"
    "                               (rank 0 writes it; it replaces FILE only when the whole\n"
    "                               job succeeded)\n"
    "  --blocksize SIZE             bytes of input per range (default 64MB; e.g. 1MB, 64KB)\n"
    "  --memory-limit SIZE          memory budget per rank; beyond it sluice spills to disk\n"
    "                               (default: cgroup/Slurm limit or RAM / ranks per node x 0.8)\n"
    "  --spill-dir DIR              where spill files go (default $SLURM_TMPDIR, $TMPDIR, /tmp)\n"
    "  --exchange-round-bytes SIZE  cap on the bytes one rank sends per exchange round\n"
    "                               (default 64MB)\n"
    "  --io-retry-time SECONDS      how long to retry a transient read error (EIO, a stale\n"
    "                               NFS handle, ...) before failing (default 30, 0 = no\n"
    "                               retries; env SLUICE_IO_RETRY_SECONDS)\n"
    "  -v, --verbose                print per-statement timings and COPY totals on stderr\n"
    "  --progress                   progress lines on stderr also when it is not a terminal\n"
    "                               (every SLUICE_PROGRESS_INTERVAL s, default 5; for logs)\n"
    "  --quiet                      no progress line and no end-of-run summary\n"
    "  --metrics FILE.json          write per-statement, per-stage, per-rank metrics (JSON)\n"
    "  --report FILE.html           write a self-contained HTML report with charts\n"
    "  --resume                     skip each COPY whose committed output (_SUCCESS) matches\n"
    "                               its statement, inputs and settings (after a failure or a\n"
    "                               time limit)\n"
    "  --force                      let COPY ... (OVERWRITE) replace a directory that sluice\n"
    "                               did not write (no _SUCCESS manifest, or files it does not\n"
    "                               list); never one that holds the statement's own input\n"
    "  --lock-wait SECONDS          how long a COPY waits while another job writes the same\n"
    "                               target (default 300; 0 = fail at once)\n"
    "  -h, --help                   this text\n"
    "  --version                    print the version\n"
    "\n"
    "exit status: 0 ok, 2 bad command line, 3 bad SQL, 4 I/O error or file not found,\n"
    "5 bad input data, 6 out of memory, 7 no space left, 9 internal error, 10 error while\n"
    "evaluating the query, 130 interrupted by SIGTERM/SIGINT/SIGUSR1. See README.md.\n";

static int g_rank;

static void on_oom(size_t bytes)
{
    fprintf(stderr, "sluice (rank %d): error: out of memory allocating %zu bytes\n", g_rank,
            bytes);
    MPI_Abort(MPI_COMM_WORLD, 6);
}

/* Rank 0 reads the job file ("-" = standard input) and broadcasts it; returns NULL (on every
 * rank) when unreadable, with why set. The text is NUL-terminated after its *n_out bytes,
 * which may themselves hold a NUL byte: the parser gets the length and reports it. */
static char *read_job(const char *path, int64_t *n_out, char *why, size_t why_n)
{
    long long len = -1;
    char *text = NULL;
    if (g_rank == 0) {
        bool is_stdin = !strcmp(path, "-");
        FILE *f = is_stdin ? stdin : fopen(path, "rb");
        if (is_stdin)
            path = "standard input";
        if (!f) {
            snprintf(why, why_n, "cannot open job file '%s': %s", path, strerror(errno));
        } else {
            size_t cap = 1 << 16, n = 0, r;
            text = sl_xmalloc(cap);
            while ((r = fread(text + n, 1, cap - n - 1, f)) > 0) {
                n += r;
                if (n + 1 == cap)
                    text = sl_xrealloc(text, cap *= 2);
            }
            if (ferror(f))
                snprintf(why, why_n, "cannot read job file '%s': %s", path, strerror(errno));
            else if (n > (1u << 30))
                snprintf(why, why_n, "job file '%s' is larger than 1 GB", path);
            else
                len = (long long)n;
            if (!is_stdin)
                fclose(f);
        }
    }
    MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (len < 0) {
        sl_free(text);
        return NULL;
    }
    if (g_rank != 0)
        text = sl_xmalloc((size_t)len + 1);
    /* Job files are small; a single MPI_Bcast count never nears INT_MAX in practice. */
    MPI_Bcast(text, (int)len, MPI_CHAR, 0, MPI_COMM_WORLD);
    text[len] = 0;
    *n_out = len;
    return text;
}

/*
 * When msg starts with "PATH:LINE:COL:" (every error the parser, binder and session report
 * about a place in the job), prints that line of the job text and a caret under the column on
 * stderr, the way DuckDB's shell shows a syntax error. Columns count bytes; the caret line
 * copies the tabs of the text and skips UTF-8 continuation bytes so it lines up in a
 * terminal. A long line is shown as a window of it around the column. Local.
 */
static void print_error_context(const char *text, int64_t len, const char *path, const char *msg)
{
    size_t pl = strlen(path);
    if (!text || strncmp(msg, path, pl) != 0 || msg[pl] != ':')
        return;
    char *end;
    long line = strtol(msg + pl + 1, &end, 10);
    if (*end != ':' || line < 1)
        return;
    long col = strtol(end + 1, &end, 10);
    if (*end != ':' || col < 1)
        return;
    int64_t b = 0;
    long l = 1;
    while (l < line && b < len)
        if (text[b++] == '\n')
            l++;
    if (l < line)
        return;
    int64_t e = b;
    while (e < len && text[e] != '\n')
        e++;
    if (e > b && text[e - 1] == '\r')
        e--;
    int64_t at = b + col - 1;
    if (at > e)
        at = e;
    /* A line of up to 160 bytes is shown whole, a longer one as a window of 120 bytes
     * around the column, cut at character starts. */
    int64_t ws = b, we = e;
    if (e - b > 160) {
        ws = at - 60 > b ? at - 60 : b;
        we = ws + 120 < e ? ws + 120 : e;
    }
    while (ws > b && ((unsigned char)text[ws] & 0xC0) == 0x80)
        ws--;
    while (we < e && ((unsigned char)text[we] & 0xC0) == 0x80)
        we++;
    char num[24];
    int nw = snprintf(num, sizeof num, "%ld", line);
    sl_buf o;
    sl_buf_init(&o);
    sl_buf_printf(&o, "  %s | %s", num, ws > b ? "..." : "");
    for (int64_t i = ws; i < we; i++) {
        unsigned char c = (unsigned char)text[i];
        sl_buf_putc(&o, c < 0x20 && c != '\t' ? ' ' : (char)c);
    }
    sl_buf_printf(&o, "%s\n  %*s | %s", we < e ? "..." : "", nw, "", ws > b ? "   " : "");
    for (int64_t i = ws; i < at; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\t')
            sl_buf_putc(&o, '\t');
        else if ((c & 0xC0) != 0x80)
            sl_buf_putc(&o, ' ');
    }
    sl_buf_puts(&o, "^\n");
    fputs(sl_buf_cstr(&o), stderr);
    sl_buf_free(&o);
}

static int usage_error(const char *fmt, const char *arg)
{
    if (g_rank == 0) {
        fprintf(stderr, "sluice: error: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n(see sluice --help)\n");
    }
    return 2;
}

/* Frees the -D names (copies) and the arrays run() made for them. */
static void free_params(const char **names, const char **values, int np)
{
    for (int i = 0; i < np; i++)
        sl_free((void *)names[i]);
    sl_free(names);
    sl_free(values);
}

static int run(int argc, char **argv)
{
    sl_options o;
    sl_options_init(&o);
    const char *cmd = NULL, *job = NULL, *command = NULL;
    const char **names = sl_xcalloc((size_t)argc, sizeof *names);
    const char **values = sl_xcalloc((size_t)argc, sizeof *values);
    int np = 0;
    const char *retry_time = NULL, *output = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            if (g_rank == 0)
                fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            if (g_rank == 0)
                printf("sluice %s\n", SLUICE_VERSION);
            return 0;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--command")) {
            i++;
            if (!next)
                return usage_error("%s needs the SQL to run", a);
            command = next;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            o.verbose = 1;
        } else if (!strcmp(a, "--progress")) {
            o.progress = 1;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            o.quiet = 1;
        } else if (!strcmp(a, "--metrics") || !strcmp(a, "--report")) {
            i++;
            if (!next || !*next)
                return usage_error("%s needs a file name", a);
            if (!strcmp(a, "--metrics"))
                o.metrics_path = next;
            else
                o.report_path = next;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            i++;
            if (!next || !*next)
                return usage_error("%s needs a file name", a);
            output = next;
        } else if (!strcmp(a, "--resume")) {
            o.resume = 1;
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "--lock-wait")) {
            i++;
            char *end = NULL;
            double v = next ? strtod(next, &end) : -1;
            if (!next || end == next || *end || !(v >= 0) || v > 1e9)
                return usage_error("--lock-wait needs a number of seconds >= 0, got '%s'",
                                   next ? next : "");
            o.lock_wait_s = v;
        } else if (!strcmp(a, "--io-retry-time")) {
            i++;
            if (!next)
                return usage_error("%s", "--io-retry-time needs a number of seconds");
            retry_time = next;
        } else if (!strcmp(a, "-D") || !strcmp(a, "--define") || !strncmp(a, "-D", 2)) {
            const char *def = a[2] ? a + 2 : next;
            if (!a[2])
                i++;
            const char *eq = def ? strchr(def, '=') : NULL;
            if (!eq || eq == def)
                return usage_error("-D needs NAME=VALUE, got '%s'", def ? def : "");
            names[np] = sl_xstrndup(def, (size_t)(eq - def));
            values[np++] = eq + 1;
        } else if (!strcmp(a, "--format")) {
            i++;
            const sl_format *f = next ? sl_format_find(next) : NULL;
            if (next && (!strcmp(next, "table") || (f && (f->caps & SL_FMT_WRITE)))) {
                o.format = next;
            } else {
                sl_buf msg;
                sl_buf_init(&msg);
                sl_buf_puts(&msg, "--format takes table or ");
                sl_format_names(&msg, NULL, SL_FMT_WRITE, false, " or ");
                sl_buf_puts(&msg, ", got '%s'");
                int rc = usage_error(sl_buf_cstr(&msg), next ? next : "");
                sl_buf_free(&msg);
                return rc;
            }
        } else if (!strcmp(a, "--memory-limit")) {
            i++;
            int64_t v;
            if (!next || !sl_parse_size(next, &v) || v <= 0)
                return usage_error("bad size '%s' (use e.g. 2GB, 512MB)", next ? next : "");
            o.memory_limit = v;
        } else if (!strcmp(a, "--spill-dir")) {
            i++;
            if (!next || !*next)
                return usage_error("%s", "--spill-dir needs a directory");
            o.spill_dir = next;
        } else if (!strcmp(a, "--blocksize") || !strcmp(a, "--exchange-round-bytes")) {
            i++;
            int64_t v;
            if (!next || !sl_parse_size(next, &v) || v <= 0)
                return usage_error("bad size '%s' (use e.g. 64MB, 1KB, 4096)", next ? next : "");
            if (!strcmp(a, "--blocksize"))
                o.blocksize = v;
            else
                o.exchange_round_bytes = v < 256 ? 256 : v;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("unknown option '%s'", a);
        } else if (!cmd) {
            cmd = a;
        } else if (!job) {
            job = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    /* -c SQL: the statements come from the command line; `run` is implied. */
    if (command && !cmd)
        cmd = "run";
    if (!cmd)
        return usage_error("%s", "missing command (run or explain)");
    if (strcmp(cmd, "run") && strcmp(cmd, "explain"))
        return usage_error("unknown command '%s' (use run or explain)", cmd);
    if (command && job)
        return usage_error("-c runs its own SQL: unexpected job file '%s'", job);
    if (!job && !command)
        return usage_error("%s: missing job file (- = standard input)", cmd);
    sl_err rerr;
    sl_err_clear(&rerr);
    if (sl_retry_configure(retry_time, &rerr)) {
        free_params(names, values, np);
        return usage_error("%s", rerr.msg);
    }
    o.explain_only = !strcmp(cmd, "explain");
    o.n_params = np;
    o.param_names = names;
    o.param_values = values;

    char why[512] = "";
    int64_t text_len = 0;
    /* The name errors give the job: "<command>:1:8: ..." for -c, "<stdin>:..." for "-". */
    const char *label = command ? "<command>" : !strcmp(job, "-") ? "<stdin>" : job;
    char *text = command ? sl_xstrdup(command) : read_job(job, &text_len, why, sizeof why);
    if (command)
        text_len = (int64_t)strlen(command);
    if (!text) {
        if (g_rank == 0)
            fprintf(stderr, "sluice: error: %s\n", why);
        free_params(names, values, np);
        return 4;
    }
    sl_result_file rf = { 0 };
    if (output) {
        int orc = sl_result_file_open(output, &rf, why, sizeof why);
        if (orc) {
            if (g_rank == 0)
                fprintf(stderr, "sluice: error: %s\n", why);
            sl_free(text);
            free_params(names, values, np);
            return orc;
        }
        o.out = rf.f;
    }
    sl_session *s;
    sl_session_new(MPI_COMM_WORLD, &o, &s);
    int rc = sl_session_run_n(s, text, text_len, label);
    int status = 0;
    if (rc) {
        int size;
        MPI_Comm_size(MPI_COMM_WORLD, &size);
        /* Every rank says why it stops; rank 0's line is the one users read first. */
        if (size == 1)
            fprintf(stderr, "sluice: error: %s\n", sl_session_error(s));
        else
            fprintf(stderr, "sluice (rank %d of %d): error: %s [first detected on rank %d]\n",
                    g_rank, size, sl_session_error(s), sl_session_error_rank(s));
        if (g_rank == 0)
            print_error_context(text, text_len, label, sl_session_error(s));
        status = sl_session_exit_status(s);
    }
    sl_session_free(&s);
    if (output) {
        int crc = sl_result_file_close(&rf, rc == 0, why, sizeof why);
        if (crc) {
            fprintf(stderr, "sluice (rank %d): error: %s\n", g_rank, why);
            status = crc;
        }
    }
    sl_free(text);
    free_params(names, values, np);
    return status;
}

/* Every rank on one host (mpirun's OMPI_COMM_WORLD_LOCAL_SIZE equals OMPI_COMM_WORLD_SIZE, or
 * a singleton started without a launcher): Open MPI ends up on its ob1 shared-memory path
 * there anyway, but first opens and probes UCX and the OFI MTL, ~0.2 s of every job's
 * start-up on these machines (README: fixed costs). Ask for ob1 directly unless the user chose
 * a PML (or set SLUICE_KEEP_MPI_PML). Every rank sees the same environment, so all ranks choose alike; across hosts, or
 * under a launcher that does not say (srun's PMIx), Open MPI's own choice stands. Local. */
static void prefer_shared_memory_pml(void)
{
    if (getenv("OMPI_MCA_pml") || getenv("SLUICE_KEEP_MPI_PML"))
        return;
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    const char *local = getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
    bool one_host = size ? local && strcmp(size, local) == 0
                         : !getenv("PMIX_RANK") && !getenv("PMI_RANK");
    if (one_host)
        setenv("OMPI_MCA_pml", "ob1", 0);
}

/* `sluice --help` and `sluice --version` alone answer before MPI_Init: without a launcher
 * MPI_Init starts Open MPI's orted (~0.2 s), which neither needs. Under mpirun only the first
 * rank prints, as after MPI_Init (the launcher's rank variables say which one it is). Returns
 * 1 when it printed. */
static int answer_without_mpi(int argc, char **argv)
{
    if (argc != 2)
        return 0;
    bool help = !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help");
    if (!help && strcmp(argv[1], "--version"))
        return 0;
    const char *rank = getenv("OMPI_COMM_WORLD_RANK");
    if (!rank)
        rank = getenv("PMIX_RANK");
    if (rank && strcmp(rank, "0"))
        return 1;
    if (help)
        fputs(usage, stdout);
    else
        printf("sluice %s\n", SLUICE_VERSION);
    return 1;
}

int main(int argc, char **argv)
{
    if (answer_without_mpi(argc, argv))
        return 0;
    sl_mem_keep_freed(); /* the binary owns its process: see core/mem.h */
    prefer_shared_memory_pml();
    sl_mpi_init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    sl_mem_set_oom_handler(on_oom);
    /* After MPI_Init: Open MPI installs its own handlers there; ours must win for the stop
     * signals. Every rank sees the same SLUICE_FAULT, so a bad one fails on every rank. */
    sl_signals_install();
    sl_err ferr;
    sl_err_clear(&ferr);
    int status;
    if (sl_fault_configure_env(g_rank, &ferr)) {
        if (g_rank == 0)
            fprintf(stderr, "sluice: error: %s\n", ferr.msg);
        status = 2;
    } else {
        status = run(argc, argv);
    }
    fflush(stdout);
    sl_mpi_finalize();
    return status;
}
