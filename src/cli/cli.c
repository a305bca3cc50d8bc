/* cli.c -- the `ibp` command: its options and the run, info, data, spectrum and hvp commands
 * (help in cli_help.c, sweep in cli_sweep.c, merge in cli_merge.c). The CLI's files are the only
 * C files that print or exit (besides benches and tests). Exit codes: 0 ok, 1 diverged, 2 bad
 * input or failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include "ibp.h"
#include "cli/cli_help.h"
#include "cli/cli_io.h"
#include "cli/cli_merge.h"
#include "cli/cli_sweep.h"
#ifdef __EMSCRIPTEN__
static int ibp_isatty(int fd) { (void)fd; return 0; }
#else
#include <unistd.h>
static int ibp_isatty(int fd) { return isatty(fd); }
#endif


static const char *cli_argv0; /* where the executable is: the default image file is beside it */

/* Write a library writer's text to an output. */
static int out_text(outfile *o, const ibp_run *r, writer_fn fn) {
    char *s = text_of(r, fn);
    int rc = out_puts(o, s);
    free(s);
    return rc;
}

/* ---- options ---------------------------------------------------------------------------- */

typedef struct opts {
    const char *config, *out, *data, *init, *save, *images_path;
    const char *params_every, *params_out, *params, *dir;
    ibp_images *images;
    const char *at_step, *k, *probes, *steps, *sigma;
    int quiet, test, exact, density;
    char *config_buf, *data_buf, *init_buf;
} opts;

/* Is `name` one of the space-separated words of `allowed`? */
static int allowed_has(const char *allowed, const char *name) {
    size_t n = strlen(name);
    for (const char *p = allowed; (p = strstr(p, name)) != NULL; p++)
        if ((p == allowed || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) return 1;
    return 0;
}

static int parse_opts(int argc, char **argv, opts *o, const char *allowed) {
    memset(o, 0, sizeof *o);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--out")) slot = &o->out;
        else if (!strcmp(a, "--data")) slot = &o->data;
        else if (!strcmp(a, "--init")) slot = &o->init;
        else if (!strcmp(a, "--save")) slot = &o->save;
        else if (!strcmp(a, "--at-step")) slot = &o->at_step;
        else if (!strcmp(a, "--k")) slot = &o->k;
        else if (!strcmp(a, "--probes")) slot = &o->probes;
        else if (!strcmp(a, "--steps")) slot = &o->steps;
        else if (!strcmp(a, "--sigma")) slot = &o->sigma;
        else if (!strcmp(a, "--images")) slot = &o->images_path;
        else if (!strcmp(a, "--params-every")) slot = &o->params_every;
        else if (!strcmp(a, "--params-out")) slot = &o->params_out;
        else if (!strcmp(a, "--params")) slot = &o->params;
        else if (!strcmp(a, "--dir")) slot = &o->dir;
        else if (!strcmp(a, "--exact") && allowed_has(allowed, "exact")) { o->exact = 1; continue; }
        else if (!strcmp(a, "--density") && allowed_has(allowed, "density")) { o->density = 1; continue; }
        else if (!strcmp(a, "--quiet") && allowed_has(allowed, "quiet")) { o->quiet = 1; continue; }
        else if (!strcmp(a, "--test") && allowed_has(allowed, "test")) { o->test = 1; continue; }
        else if (a[0] == '-' && a[1] == '-') { fprintf(stderr, "ibp: unknown option %s (see `ibp help`)\n", a); return EXIT_BAD; }
        else if (!o->config) { o->config = a; continue; }
        else {
            fprintf(stderr, "ibp: unexpected extra argument \"%s\" (the config is \"%s\"): give one config, its "
                            "key=value pairs joined by '&' in one quoted argument\n", a, o->config);
            return EXIT_BAD;
        }
        if (!allowed_has(allowed, a + 2)) { fprintf(stderr, "ibp: option %s does not apply to this command\n", a); return EXIT_BAD; }
        if (i + 1 >= argc) { fprintf(stderr, "ibp: option %s needs a value\n", a); return EXIT_BAD; }
        if (*slot) { /* the last one winning would drop the first without a word */
            fprintf(stderr, "ibp: option %s is given twice (%s and %s): give it once\n", a, *slot, argv[i + 1]);
            return EXIT_BAD;
        }
        *slot = argv[++i];
    }
    /* no output may be another output or an input: checked before anything is read or written.
     * Without --out the command writes to the standard output, which is checked too. */
    cli_file files[9];
    int nf = 0;
    files[nf++] = (cli_file){"--out", o->out, 1};
    if (o->save) files[nf++] = (cli_file){"--save", o->save, 1};
    if (o->params_out) files[nf++] = (cli_file){"--params-out", o->params_out, 1};
    files[nf++] = (cli_file){"--data", o->data, 0};
    files[nf++] = (cli_file){"--init", o->init, 0};
    files[nf++] = (cli_file){"--params", o->params, 0};
    files[nf++] = (cli_file){"--dir", o->dir && strcmp(o->dir, "grad") ? o->dir : NULL, 0};
    files[nf++] = (cli_file){"--images", o->images_path, 0};
    files[nf++] = (cli_file){"config file", o->config && o->config[0] == '@' ? o->config + 1 : NULL, 0};
    if (cli_files_distinct(files, nf)) return EXIT_BAD;
    if (!o->config) o->config = "";
    if (!(o->config = config_arg(o->config, &o->config_buf))) return EXIT_BAD;
    if (o->data && !(o->data_buf = read_file(o->data, "data"))) return EXIT_BAD;
    if (o->init && !(o->init_buf = read_file(o->init, "init"))) return EXIT_BAD;
    int rc = 0;
    o->images = cli_images(o->images_path, o->config, cli_argv0, &rc);
    return rc;
}

static void free_opts(opts *o) {
    free(o->config_buf); free(o->data_buf); free(o->init_buf);
    ibp_images_close(o->images);
}

/* The value of key in a canonical form (into val), or 0 when it is not there. */
static int canon_value(const char *canon, const char *key, char *val, size_t vcap) {
    size_t kl = strlen(key);
    for (const char *p = canon; p && *p; p = strchr(p, '&'), p = p ? p + 1 : NULL)
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            snprintf(val, vcap, "%.*s", (int)strcspn(p + kl + 1, "&"), p + kl + 1);
            return 1;
        }
    return 0;
}

static int config_valid(const char *config) {
    char *canon = canonical_of(config);
    free(canon);
    return canon != NULL;
}

static char *config_plus(const char *config, const char *a, const char *b);

/* Does the config set key? 1 (its value in val), 0, or -1 when the config does not validate
 * (asked of the parser: the CLI never splits a config itself). The canonical form leaves out
 * defaults, so a key written with its default value (init=fan_in) is found by adding it once
 * more: only a key already given makes that "given twice". */
static int config_sets(const char *config, const char *key, char *val, size_t vcap) {
    char *canon = canonical_of(config);
    if (!canon) return -1;
    int found = canon_value(canon, key, val, vcap);
    free(canon);
    if (found) return 1;
    char err[8], item[300], *full = NULL;
    int rc = IBP_E_ARG;
    for (size_t cap = 4096; rc == IBP_E_ARG; cap *= 4) { /* every key: long lists need room */
        free(full);
        if (!(full = malloc(cap))) { fprintf(stderr, "ibp: out of memory\n"); exit(EXIT_BAD); }
        rc = ibp_config_canonical(config, 1, full, cap, err, sizeof err);
    }
    found = rc == IBP_OK && canon_value(full, key, val, vcap);
    free(full);
    if (!found) return 0; /* the key does not apply (model=mf has no data) */
    snprintf(item, sizeof item, "%s=%s", key, val);
    char *again = config_plus(config, item, NULL);
    found = !config_valid(again);
    free(again);
    return found;
}

/* config + each of the items given (NULL = none), joined by '&' (malloc'd). */
static char *config_plus(const char *config, const char *a, const char *b) {
    size_t n = strlen(config) + 32;
    char *cfg = malloc(n);
    if (!cfg) { fprintf(stderr, "ibp: out of memory\n"); exit(EXIT_BAD); }
    snprintf(cfg, n, "%s%s%s%s%s", config, config[0] && a ? "&" : "", a ? a : "", (config[0] || a) && b ? "&" : "",
             b ? b : "");
    return cfg;
}

/* --data implies data=csv and --init init=file when the config does not set them; a config that
 * sets another data or init is refused (a CSV or params JSON it would not use). A config that
 * does not validate gets them only when that makes it whole: else its own first problem is the
 * one to report, not "data is given twice" for an item the CLI added. */
static int create_run(opts *o, ibp_run **r) {
    char err[1024], val[256];
    ibp_run_desc desc = {0};
    const char *add_data = NULL, *add_init = NULL;
    int sets_data = o->data_buf ? config_sets(o->config, "data", val, sizeof val) : 1;
    if (sets_data == 1 && o->data_buf && strcmp(val, "csv") != 0) {
        fprintf(stderr, "ibp: bad data: --data %s was given but the config sets data=%s: use data=csv (or leave data "
                        "out of the config) to train on the file\n", o->data, val);
        return EXIT_BAD;
    }
    int sets_init = o->init_buf ? config_sets(o->config, "init", val, sizeof val) : 1;
    if (sets_init == 1 && o->init_buf && strcmp(val, "file") != 0) {
        fprintf(stderr, "ibp: bad initial parameters: --%s %s was given but the config sets init=%s: use init=file "
                        "(or leave init out of the config) to start from it\n", o->params ? "params" : "init",
                o->params ? o->params : o->init, val);
        return EXIT_BAD;
    }
    if (sets_data == 0) add_data = "data=csv";
    if (sets_init == 0) add_init = "init=file";
    if (sets_data < 0 || sets_init < 0) { /* the config does not validate: try both, then each */
        const char *d = sets_data < 0 ? "data=csv" : NULL, *i = sets_init < 0 ? "init=file" : NULL;
        const char *tries[3][2] = {{d, i}, {d, NULL}, {NULL, i}};
        for (int t = 0; t < 3 && !add_data && !add_init; t++) {
            if (!tries[t][0] && !tries[t][1]) continue;
            char *c = config_plus(o->config, tries[t][0], tries[t][1]);
            if (config_valid(c)) { add_data = tries[t][0]; add_init = tries[t][1]; }
            free(c);
        }
    }
    char *cfg = add_data || add_init ? config_plus(o->config, add_data, add_init) : NULL;
    desc.config = cfg ? cfg : o->config;
    desc.data_csv = o->data_buf;
    desc.init_json = o->init_buf;
    desc.images = o->images;
    int rc = ibp_run_create(r, &desc, err, sizeof err);
    free(cfg);
    if (rc != IBP_OK) {
        fprintf(stderr, "ibp: %s: %s\n", ibp_status_string(rc), err);
        return EXIT_BAD;
    }
    return 0;
}

/* ---- run -------------------------------------------------------------------------------- */

static void progress(const ibp_run *r, double started) {
    long t = ibp_run_t(r), T = ibp_run_steps_total(r);
    int width = 30, filled = T > 0 ? (int)(width * (double)t / (double)T) : width;
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    double el = (double)clock() / CLOCKS_PER_SEC - started;
    fprintf(stderr, "\r[%s] %ld/%ld steps  %.1fs ", bar, t, T, el);
}

/* One line of --params-out: the --save JSON of the current step without its line breaks. */
static int write_params_line(outfile *f, const ibp_run *r) {
    char *js = text_of(r, ibp_run_params_json), *q = js;
    for (char *p = js; *p; p++)
        if (*p != '\n') *q++ = *p;
    *q++ = '\n';
    int rc = out_write(f, js, (size_t)(q - js));
    free(js);
    return rc;
}

static int cmd_run(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o, "out data init save quiet images params-every params-out");
    if (rc) { free_opts(&o); return rc; }
    long every = 0;
    if (o.params_every || o.params_out) {
        if (!o.params_every || !o.params_out) {
            fprintf(stderr, "ibp run: --params-every K and --params-out FILE.jsonl go together (the parameters every K "
                            "steps, one JSON line each)\n");
            free_opts(&o);
            return EXIT_BAD;
        }
        char *end;
        double k = strtod(o.params_every, &end);
        if (*end || end == o.params_every || !(k >= 1 && k <= 1e9) || k != (double)(long)k) {
            fprintf(stderr, "ibp run: --params-every %s: give a whole number of steps in [1, 1e9]\n", o.params_every);
            free_opts(&o);
            return EXIT_BAD;
        }
        every = (long)k;
    }
    ibp_run *r;
    if ((rc = create_run(&o, &r))) { free_opts(&o); return rc; }
    /* every output is open (and so known to be writable) before the first step */
    outfile out, save = {0}, pout = {0};
    if ((rc = out_open(&out, o.out, 0)) || (o.save && (rc = out_open(&save, o.save, 1))) ||
        (every && (rc = out_open(&pout, o.params_out, 0))) || (every && (rc = write_params_line(&pout, r)))) { /* step 0 */
        out_close(&out, 0);
        out_close(&save, 0);
        out_close(&pout, 0);
        ibp_run_destroy(r);
        free_opts(&o);
        return rc;
    }
    int jsonl = o.out && has_suffix(o.out, ".jsonl");
    rc = out_text(&out, r, jsonl ? ibp_run_jsonl_header : ibp_run_csv_header); /* the page writes the same bytes */
    int bar = !o.quiet && ibp_isatty(2);
    double started = (double)clock() / CLOCKS_PER_SEC, last = -1;
    int header = !jsonl;
    char *buf = NULL;
    size_t cap = 0;
    while (rc == 0) {
        if (ibp_run_nrows(r) > 0) {
            size_t need = jsonl ? ibp_run_rows_jsonl(r, NULL, 0) : ibp_run_rows_csv(r, header, NULL, 0);
            if (need + 1 > cap) {
                char *nb = realloc(buf, need + 1);
                if (!nb) { fprintf(stderr, "ibp: out of memory\n"); rc = EXIT_BAD; break; }
                buf = nb;
                cap = need + 1;
            }
            if (jsonl) ibp_run_rows_jsonl(r, buf, cap);
            else ibp_run_rows_csv(r, header, buf, cap);
            header = 0;
            ibp_run_clear_rows(r);
            if ((rc = out_write(&out, buf, need))) break; /* a full disk stops the run */
        }
        if (ibp_run_state(r) != IBP_RUNNING) break;
        int64_t chunk = every ? every - ibp_run_t(r) % every : 1000;
        ibp_run_step(r, chunk < 1000 ? chunk : 1000, NULL, 0);
        if (every && (ibp_run_t(r) % every == 0 || ibp_run_state(r) != IBP_RUNNING) && (rc = write_params_line(&pout, r)))
            break;
        double now = (double)clock() / CLOCKS_PER_SEC;
        if (bar && now - last > 0.1) { progress(r, started); last = now; }
    }
    free(buf);
    if (bar) { progress(r, started); fputc('\n', stderr); }
    if (out_close(&out, 1)) rc = EXIT_BAD;
    if (every && out_close(&pout, 1)) rc = EXIT_BAD;
    if (rc) { /* the metrics or parameters were lost: say so, and keep the old --save file */
        fprintf(stderr, "ibp: stopped at step %lld: the %s could not be written%s\n", (long long)ibp_run_t(r),
                out.failed ? "metrics" : "parameters (--params-out)", o.save ? " (--save was not written either)" : "");
        out_close(&save, 0);
        ibp_run_destroy(r);
        free_opts(&o);
        return EXIT_BAD;
    }
    int state = ibp_run_state(r);
    if (ibp_run_nevents(r) > 0) {
        char *ev = text_of(r, ibp_run_events_text);
        fprintf(stderr, "ibp: events:\n%s", ev);
        free(ev);
    }
    fprintf(stderr, "ibp: %s\n", ibp_run_message(r));
    /* a flow that stopped leaves its columns empty from there on: say why (GD's run is unaffected) */
    if (*ibp_run_flow_message(r)) fprintf(stderr, "ibp: %s\n", ibp_run_flow_message(r));
    rc = state == IBP_DIVERGED ? EXIT_DIVERGED : 0;
    if (o.save && (out_text(&save, r, ibp_run_params_json) || out_close(&save, 1))) rc = EXIT_BAD;
    ibp_run_destroy(r);
    free_opts(&o);
    return rc;
}

/* ---- info, data, help ------------------------------------------------------------------- */

static int cmd_info(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o, "data init images");
    if (rc) { free_opts(&o); return rc; }
    ibp_run *r;
    if ((rc = create_run(&o, &r))) { free_opts(&o); return rc; }
    char *info = text_of(r, ibp_run_info_text), *conv = text_of(r, ibp_run_conventions);
    outfile out;
    out_open(&out, NULL, 0);
    out_puts(&out, info);
    out_puts(&out, "conventions ");
    out_puts(&out, conv);
    out_puts(&out, "\n");
    rc = out_close(&out, 1);
    free(info);
    free(conv);
    ibp_run_destroy(r);
    free_opts(&o);
    return rc;
}

static size_t data_train(const ibp_run *r, char *b, size_t c) { return ibp_run_data_csv(r, 0, b, c); }
static size_t data_test(const ibp_run *r, char *b, size_t c) { return ibp_run_data_csv(r, 1, b, c); }

static int cmd_data(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o, "out data test images");
    if (rc) { free_opts(&o); return rc; }
    if (!o.out) { fprintf(stderr, "ibp data: --out FILE.csv is required\n"); free_opts(&o); return EXIT_BAD; }
    ibp_run *r;
    if ((rc = create_run(&o, &r))) { free_opts(&o); return rc; }
    outfile out;
    if (!(rc = out_open(&out, o.out, 1))) {
        rc = out_text(&out, r, o.test ? data_test : data_train);
        if (out_close(&out, rc == 0)) rc = EXIT_BAD;
    }
    ibp_run_destroy(r);
    free_opts(&o);
    return rc;
}

/* A whole-number option value, or -1 with a message. The range is checked before the cast:
 * casting 1e300 or nan to an integer is undefined behaviour. */
static long opt_int(const char *name, const char *v, long lo, long hi) {
    if (!v) return 0;
    char *end;
    double x = strtod(v, &end);
    if (*end || end == v) {
        fprintf(stderr, "ibp: %s %s: not a number; give a whole number in [%ld, %ld]\n", name, v, lo, hi);
        return -1;
    }
    if (!(x >= (double)lo && x <= (double)hi)) {
        fprintf(stderr, "ibp: %s %s is out of range: give a whole number in [%ld, %ld]\n", name, v, lo, hi);
        return -1;
    }
    if (x != (double)(long)x) {
        fprintf(stderr, "ibp: %s %s: give a whole number in [%ld, %ld]\n", name, v, lo, hi);
        return -1;
    }
    return (long)x;
}

static int cmd_spectrum(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o, "out data init at-step exact density k probes steps sigma images");
    if (rc) { free_opts(&o); return rc; }
    if (o.exact && o.density) { fprintf(stderr, "ibp spectrum: --exact and --density exclude each other\n"); free_opts(&o); return EXIT_BAD; }
    long at = opt_int("--at-step", o.at_step, 0, 1000000000), k = opt_int("--k", o.k, 0, 10),
         probes = opt_int("--probes", o.probes, 0, 1000), steps = opt_int("--steps", o.steps, 0, 1000);
    double sigma = 0;
    if (o.sigma) {
        char *end;
        sigma = strtod(o.sigma, &end);
        if (*end || end == o.sigma || !(sigma > 0) || sigma - sigma != 0) {
            fprintf(stderr, "ibp: --sigma %s: give a positive finite number (the density's broadening)\n", o.sigma);
            free_opts(&o);
            return EXIT_BAD;
        }
    }
    if (at < 0 || k < 0 || probes < 0 || steps < 0) { free_opts(&o); return EXIT_BAD; }
    ibp_run *r;
    if ((rc = create_run(&o, &r))) { free_opts(&o); return rc; }
    outfile out; /* writable before the steps to --at-step are taken */
    if ((rc = out_open(&out, o.out, 1))) { ibp_run_destroy(r); free_opts(&o); return rc; }
    if (at > ibp_run_steps_total(r)) ibp_run_extend(r, (int)(at - ibp_run_steps_total(r)), NULL, 0);
    while (ibp_run_t(r) < at && ibp_run_state(r) == IBP_RUNNING) {
        long left = at - ibp_run_t(r);
        ibp_run_step(r, left > 1000 ? 1000 : (int)left, NULL, 0);
        ibp_run_clear_rows(r);
    }
    if (ibp_run_state(r) == IBP_DIVERGED) {
        fprintf(stderr, "ibp: %s\n", ibp_run_message(r));
        out_close(&out, 0);
        ibp_run_destroy(r);
        free_opts(&o);
        return EXIT_DIVERGED;
    }
    if (ibp_run_t(r) < at) /* stopped early (target_loss, grad_tol): the spectrum is where it stopped */
        fprintf(stderr, "ibp spectrum: the run stopped at step %lld (%s) before step %ld: the spectrum is at step %lld "
                        "(the JSON's \"step\")\n", (long long)ibp_run_t(r), ibp_run_message(r), at, (long long)ibp_run_t(r));
    int mode = o.exact ? IBP_SPECTRUM_EXACT : o.density ? IBP_SPECTRUM_DENSITY : IBP_SPECTRUM_TOP;
    ibp_spectrum *s;
    char err[512];
    rc = ibp_spectrum_create(&s, r, mode, (int)(mode == IBP_SPECTRUM_DENSITY ? probes : k), (int)steps, sigma, err, sizeof err);
    if (rc != IBP_OK) {
        fprintf(stderr, "ibp: %s\n", err);
        out_close(&out, 0);
        ibp_run_destroy(r);
        free_opts(&o);
        return EXIT_BAD;
    }
    size_t need = ibp_spectrum_json(s, NULL, 0);
    char *js = malloc(need + 1);
    if (!js) { fprintf(stderr, "ibp: out of memory\n"); exit(EXIT_BAD); }
    ibp_spectrum_json(s, js, need + 1);
    rc = out_write(&out, js, need);
    if (out_close(&out, rc == 0)) rc = EXIT_BAD;
    free(js);
    ibp_spectrum_destroy(s);
    ibp_run_destroy(r);
    free_opts(&o);
    return rc;
}


/* ---- hvp: the loss, the gradient and an HVP at given parameters ----------------------------- */

static char *vector_text(const ibp_run *r, const double *v) {
    size_t need = ibp_run_vector_json(r, v, NULL, 0);
    char *s = malloc(need + 1);
    ibp_run_vector_json(r, v, s, need + 1);
    return s;
}

static double dotp(const double *a, const double *b, long n) {
    double s = 0;
    for (long i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

/* The index of the first entry that is not finite, or -1. */
static long nonfinite_at(const double *x, long n) {
    for (long i = 0; i < n; i++)
        if (!isfinite(x[i])) return i;
    return -1;
}

static int cmd_hvp(int argc, char **argv) {
    opts o;
    int rc = parse_opts(argc, argv, &o, "out data images params dir");
    if (rc) { free_opts(&o); return rc; }
    if (!o.params || !o.dir) {
        fprintf(stderr, "ibp hvp: give --params FILE.json (the point, the --save format) and --dir FILE.json (the "
                        "direction v, the same format) or --dir grad\n");
        free_opts(&o);
        return EXIT_BAD;
    }
    if (!(o.init_buf = read_file(o.params, "params"))) { free_opts(&o); return EXIT_BAD; }
    char *dir_buf = NULL;
    if (strcmp(o.dir, "grad") != 0 && !(dir_buf = read_file(o.dir, "direction"))) { free_opts(&o); return EXIT_BAD; }
    /* the parameters come from the file (init=file), and the point needs no sharpness */
    size_t cl = strlen(o.config);
    char *cfg = malloc(cl + 32);
    snprintf(cfg, cl + 32, "%s%s%s%s", o.config, cl ? "&" : "", strstr(o.config, "init=") ? "" : "init=file&",
             strstr(o.config, "measure=") ? "" : "measure=0");
    size_t n = strlen(cfg);
    if (n && cfg[n - 1] == '&') cfg[n - 1] = '\0';
    o.config = cfg;
    ibp_run *r = NULL;
    rc = create_run(&o, &r);
    if (rc) { free(cfg); free(dir_buf); free_opts(&o); return rc; }
    long P = ibp_run_nparams(r);
    double *g = malloc(sizeof(double) * (size_t)P), *v = malloc(sizeof(double) * (size_t)P);
    double *hv = malloc(sizeof(double) * (size_t)P), loss;
    ibp_run_loss_grad(r, &loss, g);
    char err[1024];
    if (dir_buf) {
        if (ibp_run_vector_read(r, dir_buf, v, err, sizeof err) != IBP_OK) {
            fprintf(stderr, "ibp hvp: the direction %s: %s\n", o.dir, err);
            rc = EXIT_BAD;
        }
    } else {
        memcpy(v, g, sizeof(double) * (size_t)P);
    }
    outfile f;
    if (!rc) rc = out_open(&f, o.out, 1); /* checked like every output: a failed write is an error */
    double vhv = 0, norm = 0, rq = 0;
    if (!rc) {
        ibp_run_hvp(r, hv, v);
        vhv = dotp(v, hv, P);
        /* ||v|| and v^T H v / ||v||^2 on v scaled by a power of two (exact): the same bits as
         * the plain sums, but neither ||v||^2 of a 1e-170 direction underflowing to 0 nor that
         * of a 1e200 one overflowing */
        double big = 0, s = 1;
        for (long i = 0; i < P; i++) big = fabs(v[i]) > big ? fabs(v[i]) : big;
        if (big > 0 && isfinite(big)) {
            while (big * s >= 2) s *= 0.5;
            while (big * s < 1 && s < 0x1p1000) s *= 2; /* 2^1074 (a subnormal v) would overflow */
        }
        double ss = 0, sh = 0;
        for (long i = 0; i < P; i++) { ss += (v[i] * s) * (v[i] * s); sh += (v[i] * s) * (hv[i] * s); }
        norm = __builtin_sqrt(ss) / s;
        rq = ss > 0 ? sh / ss : 0;
        /* JSON has no inf or nan: a number that overflowed is refused, never written */
        const char *what = NULL, *fix = "";
        double bad = 0;
        long at;
        if (!isfinite(loss)) what = "the loss", bad = loss;
        else if ((at = nonfinite_at(g, P)) >= 0) what = "the gradient (an entry)", bad = g[at];
        else if (!isfinite(dotp(g, g, P))) what = "the gradient's norm (||grad||^2)", bad = dotp(g, g, P);
        else if (!isfinite(norm)) what = "the direction's norm", bad = norm, fix = ": scale the direction down";
        else if ((at = nonfinite_at(hv, P)) >= 0) what = "H v (an entry)", bad = hv[at], fix = ": scale the direction down";
        else if (!isfinite(vhv)) what = "v^T H v", bad = vhv, fix = ": scale the direction down";
        else if (!isfinite(rq)) what = "the Rayleigh quotient v^T H v / ||v||^2", bad = rq;
        if (what) {
            char num[32];
            ibp_format_double(num, bad);
            fprintf(stderr, "ibp hvp: %s is not finite (%s) at --params %s along --dir %s%s; nothing was written\n", what,
                    num, o.params, dir_buf ? o.dir : "grad", fix);
            rc = EXIT_BAD;
        }
        if (rc) out_close(&f, 0);
    }
    if (!rc) {
        char num[32];
        char *canon = canonical_of(cfg), *conv = text_of(r, ibp_run_conventions); /* any length */
        out_printf(&f, "{\"format\":\"ibp-hvp-1\",\"version\":\"%s\",\"config\":\"", ibp_version());
        out_puts(&f, canon ? canon : "");
        out_puts(&f, "\",\"conventions\":\"");
        out_puts(&f, conv);
        out_printf(&f, "\",\"P\":%ld", P);
        free(canon);
        free(conv);
        ibp_format_double(num, loss); out_printf(&f, ",\n\"loss\":%s", num);
        ibp_format_double(num, __builtin_sqrt(dotp(g, g, P))); out_printf(&f, ",\"grad_norm\":%s", num);
        ibp_format_double(num, norm); out_printf(&f, ",\"dir_norm\":%s", num);
        ibp_format_double(num, vhv); out_printf(&f, ",\"vHv\":%s", num);
        /* 0/0 for a zero direction (or a zero gradient with --dir grad): undefined, so null */
        if (norm > 0) ibp_format_double(num, rq);
        out_printf(&f, ",\"rayleigh\":%s", norm > 0 ? num : "null");
        char *gs = vector_text(r, g), *vs = vector_text(r, v), *hs = vector_text(r, hv);
        out_puts(&f, ",\n\"grad\":"); out_puts(&f, gs);
        out_puts(&f, ",\"dir\":"); out_puts(&f, vs);
        out_puts(&f, ",\"hvp\":"); out_puts(&f, hs);
        out_puts(&f, "}\n");
        free(gs); free(vs); free(hs);
        rc = out_close(&f, 1);
    }
    free(g); free(v); free(hv); free(cfg); free(dir_buf);
    ibp_run_destroy(r);
    free_opts(&o);
    return rc;
}

int main(int argc, char **argv) {
    cli_argv0 = argc > 0 ? argv[0] : NULL;
    if (argc < 2) { fputs(cli_usage, stderr); return EXIT_BAD; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
    if (!strcmp(cmd, "info")) return cmd_info(argc - 2, argv + 2);
    if (!strcmp(cmd, "data")) return cmd_data(argc - 2, argv + 2);
    if (!strcmp(cmd, "spectrum")) return cmd_spectrum(argc - 2, argv + 2);
    if (!strcmp(cmd, "hvp")) return cmd_hvp(argc - 2, argv + 2);
    if (!strcmp(cmd, "sweep")) return cli_sweep(argc - 2, argv + 2);
    if (!strcmp(cmd, "merge")) return cli_merge(argc - 2, argv + 2);
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 3) { fprintf(stderr, "ibp help: unexpected argument \"%s\" (give one topic)\n", argv[3]); return EXIT_BAD; }
        return cli_help(argc > 2 ? argv[2] : NULL);
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        if (argc > 2) { fprintf(stderr, "ibp version: unexpected argument \"%s\" (it takes none)\n", argv[2]); return EXIT_BAD; }
        char v[64];
        snprintf(v, sizeof v, "ibp %s\n", ibp_version());
        return print_stdout(v);
    }
    fprintf(stderr, "ibp: unknown command \"%s\"\n\n%s", cmd, cli_usage);
    return EXIT_BAD;
}
