/* signal_grids.c - signals on the coarsest grid their decay length allows (see signal_grids.h).
 *
 * Owns: the grouping of signals by coarsening factor, one exact solver (diffusion.c) per
 * group, the coarse states (one buffer, checkpointed), the coarse source scratch, and the
 * restriction and prolongation kernels.
 * Does not: build sources, own the fine fields, or choose the ratio.
 *
 * Why a coarser grid is allowed: with lambda = sqrt(D/k) the steady field of a point
 * source falls as exp(-r/lambda)/r; at f h <= lambda/8 neighbouring coarse values differ by
 * at most ~12 % near a source and the trilinear interpolation error, h_c^2 c''/8, is
 * ~0.2 % of the field. What the coarse grid loses is the sub-block peak of each cell's own
 * secretion; with the reference cell density rho the share of that peak in the field a
 * cell senses is ~1 / (4 pi lambda^2 h rho), about 1 % for TGF-beta (lambda 0.23 mm) and
 * 0.05 % for the MMPs (1.1 mm). The lifetime comparison against the voxel-grid solve is in
 * tests/bench/bench_diffusion and the README.
 */
#include "derm/solve/signal_grids.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/simd.h"
#include "derm/solve/diffusion.h"

/* The prolongation onto the fine grid g from the grid coarser by f: along each axis fine cell
 * i lies between coarse cells xl[i] and xh[i] with weight wx[i] on xh[i] (axis_table); the
 * same for y and z. Along x the fine cells come in runs with the same pair of coarse cells:
 * run b is fine cells xb[b] .. xb[b + 1] - 1, and fine cell i is in run xr[i]. One set per
 * coarse group, made once. */
struct prolong_tables {
    struct derm_grid g;
    int64_t f, nxc, nyc, nzc;
    int vascular;
    int64_t *xl, *xh, *yl, *yh, *zl, *zh;
    int64_t *xb, *xr;
    double *wx, *wy, *wz;
};

struct derm_signal_group {
    int64_t f;                     /* coarsening factor (1: the voxel grid) */
    struct derm_grid gc;           /* the group's grid */
    int n;                         /* signals in the group */
    int *sig;                      /* their indices, ascending */
    struct derm_diffusion *solver; /* exact solver on gc */
    derm_real **cs;                /* coarse states (into the state buffer); NULL for f = 1 */
    derm_real **csrc;              /* coarse sources; NULL for f = 1 */
    struct prolong_tables t;       /* its prolongation (f > 1) */
};

struct derm_signal_grids {
    struct derm_grid g;
    int nsig;
    int vascular;
    int64_t *factor; /* per signal */
    int *lazy;       /* per signal: a coarse signal whose fine field the step does not write */
    int ngroups;
    struct derm_signal_group *grp;
    derm_real *state; /* nsig factors, then the coarse states */
    int64_t state_len;
    derm_real **cptr; /* per-call pointer lists, nsig each */
    const derm_real **sptr;
};

static int prolong_tables_init(struct prolong_tables *T, const struct derm_grid *g, int64_t f, int vascular);
static void prolong_tables_fini(struct prolong_tables *T);

int64_t derm_signal_grids_choose(const struct derm_grid *g, double D, double k, double ratio)
{
    if (!(ratio > 0.0) || !(D > 0.0) || !(k > 0.0) || !isfinite(D) || !isfinite(k)) return 1;
    return derm_grid_coarsening(g, ratio * sqrt(D / k));
}

void derm_signal_grids_free(struct derm_signal_grids *sg)
{
    if (!sg) return;
    for (int q = 0; q < sg->ngroups; q++) {
        struct derm_signal_group *G = &sg->grp[q];
        derm_diffusion_free(G->solver);
        if (G->csrc)
            for (int j = 0; j < G->n; j++) free(G->csrc[j]);
        free(G->csrc);
        free(G->cs);
        prolong_tables_fini(&G->t);
        free(G->sig);
    }
    free(sg->grp);
    free(sg->factor);
    free(sg->lazy);
    free(sg->state);
    free(sg->cptr);
    free(sg->sptr);
    free(sg);
}

static derm_status make_group(struct derm_signal_grids *sg, struct derm_signal_group *G, int64_t f, const double *D,
                              const double *k, derm_real **next_state, struct derm_err *err)
{
    G->f = f;
    for (int s = 0; s < sg->nsig; s++) G->n += sg->factor[s] == f;
    G->sig = malloc((size_t)G->n * sizeof *G->sig);
    double *Dg = malloc((size_t)G->n * sizeof *Dg), *kg = malloc((size_t)G->n * sizeof *kg);
    derm_status st = DERM_OK;
    if (!G->sig || !Dg || !kg) {
        st = derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory");
        goto done;
    }
    for (int s = 0, j = 0; s < sg->nsig; s++)
        if (sg->factor[s] == f) {
            G->sig[j] = s;
            Dg[j] = D[s];
            kg[j] = k[s];
            j++;
        }
    G->gc =
        (struct derm_grid){.nx = sg->g.nx / f, .ny = sg->g.ny / f, .nz = sg->g.nz / f, .h_um = sg->g.h_um * (double)f};
    G->gc.n = G->gc.nx * G->gc.ny * G->gc.nz;
    if ((st = derm_diffusion_create(&G->solver, &G->gc, G->n, Dg, kg, sg->vascular, err)) != DERM_OK) goto done;
    if (f > 1) {
        G->cs = calloc((size_t)G->n, sizeof *G->cs);
        G->csrc = calloc((size_t)G->n, sizeof *G->csrc);
        if (!G->cs || !G->csrc) {
            st = derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory");
            goto done;
        }
        if (prolong_tables_init(&G->t, &sg->g, f, sg->vascular) != 0) {
            st = derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory for interpolation tables");
            goto done;
        }
        for (int j = 0; j < G->n; j++) {
            G->cs[j] = *next_state;
            *next_state += G->gc.n;
            if (!(G->csrc[j] = calloc((size_t)G->gc.n, sizeof(derm_real)))) {
                st = derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory for coarse sources");
                goto done;
            }
        }
    }
done:
    free(Dg);
    free(kg);
    return st;
}

derm_status derm_signal_grids_create(struct derm_signal_grids **out, const struct derm_grid *g, int nsignals,
                                     const double *D, const double *k, int bottom_vascular, double ratio,
                                     struct derm_err *err)
{
    *out = NULL;
    if (!g || !D || !k || nsignals < 1 || !(ratio >= 0.0))
        return derm_err_set(err, DERM_EINTERNAL, "signal grids: invalid arguments");
    struct derm_signal_grids *sg = calloc(1, sizeof *sg);
    if (!sg) return derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory");
    sg->g = *g;
    sg->nsig = nsignals;
    sg->vascular = bottom_vascular;
    sg->factor = malloc((size_t)nsignals * sizeof *sg->factor);
    sg->lazy = calloc((size_t)nsignals, sizeof *sg->lazy);
    sg->grp = calloc((size_t)nsignals, sizeof *sg->grp);
    sg->cptr = malloc((size_t)nsignals * sizeof *sg->cptr);
    sg->sptr = malloc((size_t)nsignals * sizeof *sg->sptr);
    derm_status st = DERM_OK;
    if (!sg->factor || !sg->lazy || !sg->grp || !sg->cptr || !sg->sptr) {
        st = derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory");
        goto fail;
    }
    sg->state_len = nsignals;
    for (int s = 0; s < nsignals; s++) {
        sg->factor[s] = derm_signal_grids_choose(g, D[s], k[s], ratio);
        if (sg->factor[s] > 1) sg->state_len += g->n / (sg->factor[s] * sg->factor[s] * sg->factor[s]);
    }
    if (!(sg->state = calloc((size_t)sg->state_len, sizeof(derm_real)))) {
        st = derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory for coarse states");
        goto fail;
    }
    for (int s = 0; s < nsignals; s++) sg->state[s] = (derm_real)sg->factor[s];
    /* groups in ascending factor; states laid out group by group, signal order within */
    derm_real *next = sg->state + nsignals;
    int64_t last = 0;
    for (;;) {
        int64_t f = 0;
        for (int s = 0; s < nsignals; s++)
            if (sg->factor[s] > last && (f == 0 || sg->factor[s] < f)) f = sg->factor[s];
        if (f == 0) break;
        if ((st = make_group(sg, &sg->grp[sg->ngroups++], f, D, k, &next, err)) != DERM_OK) goto fail;
        last = f;
    }
    *out = sg;
    return DERM_OK;
fail:
    derm_signal_grids_free(sg);
    return st;
}

int64_t derm_signal_grids_factor(const struct derm_signal_grids *sg, int s) { return sg->factor[s]; }

derm_real *derm_signal_grids_state(struct derm_signal_grids *sg, int64_t *len)
{
    *len = sg->state_len;
    return sg->state;
}

derm_status derm_signal_grids_check_state(const struct derm_signal_grids *sg, struct derm_err *err)
{
    for (int s = 0; s < sg->nsig; s++)
        if (sg->state[s] != (derm_real)sg->factor[s])
            return derm_err_set(err, DERM_ECONFIG,
                                "the checkpoint solved signal %d on a grid coarser by %g, this run by %lld "
                                "(domain.signal_voxel_ratio or the signal constants differ)",
                                s, (double)sg->state[s], (long long)sg->factor[s]);
    return DERM_OK;
}

void derm_signal_grids_restrict(const struct derm_grid *g, int64_t f, const derm_real *fine, derm_real *coarse)
{
    const int64_t nxc = g->nx / f, nyc = g->ny / f, nzc = g->nz / f, nx = g->nx, ny = g->ny;
    const double inv = 1.0 / (double)(f * f * f);
#pragma omp parallel for schedule(static)
    for (int64_t K = 0; K < nzc; K++) {
        derm_real *cp = coarse + K * nxc * nyc;
        memset(cp, 0, (size_t)(nxc * nyc) * sizeof(derm_real));
        for (int64_t k = K * f; k < (K + 1) * f; k++)
            for (int64_t j = 0; j < ny; j++) {
                const derm_real *row = fine + (k * ny + j) * nx;
                derm_real *crow = cp + (j / f) * nxc;
                for (int64_t I = 0; I < nxc; I++) {
                    double s = 0.0;
                    for (int64_t i = I * f; i < (I + 1) * f; i++) s += row[i];
                    crow[I] += s;
                }
            }
        for (int64_t v = 0; v < nxc * nyc; v++) cp[v] *= inv;
    }
}

/* Interpolation along one axis: fine cell i lies between coarse cells lo[i] and hi[i] with
 * weight w[i] on hi (cell centres: x = (i + 0.5) / f - 0.5 in coarse cells). Periodic axes
 * wrap; the depth axis returns -1 and nc for the caller's ghost cells. */
static void axis_table(int64_t n, int64_t f, int periodic, int64_t *lo, int64_t *hi, double *w)
{
    const int64_t nc = n / f;
    for (int64_t i = 0; i < n; i++) {
        const double x = ((double)i + 0.5) / (double)f - 0.5;
        const double fl = floor(x);
        lo[i] = (int64_t)fl;
        hi[i] = lo[i] + 1;
        w[i] = x - fl;
        if (periodic) {
            lo[i] = (lo[i] + nc) % nc;
            hi[i] = hi[i] % nc;
        }
    }
}

static void prolong_tables_fini(struct prolong_tables *T)
{
    free(T->xl);
    free(T->wx);
    T->xl = NULL;
    T->wx = NULL;
}

/* 0, or -1 (T unset) when out of memory. */
static int prolong_tables_init(struct prolong_tables *T, const struct derm_grid *g, int64_t f, int vascular)
{
    const int64_t nx = g->nx, ny = g->ny, nz = g->nz;
    *T = (struct prolong_tables){.g = *g, .f = f, .nxc = nx / f, .nyc = ny / f, .nzc = nz / f, .vascular = vascular};
    T->xl = malloc((size_t)(2 * (nx + ny + nz) + 2 * nx + 1) * sizeof *T->xl);
    T->wx = malloc((size_t)(nx + ny + nz) * sizeof *T->wx);
    if (!T->xl || !T->wx) {
        prolong_tables_fini(T);
        return -1;
    }
    T->xh = T->xl + nx, T->yl = T->xh + nx, T->yh = T->yl + ny, T->zl = T->yh + ny, T->zh = T->zl + nz;
    T->xr = T->zh + nz, T->xb = T->xr + nx;
    T->wy = T->wx + nx, T->wz = T->wy + ny;
    axis_table(nx, f, 1, T->xl, T->xh, T->wx);
    int64_t nb = 0; /* the runs of equal coarse pairs along x (xh follows from xl) */
    for (int64_t i = 0; i < nx; i++) {
        if (i == 0 || T->xl[i] != T->xl[i - 1]) T->xb[nb++] = i;
        T->xr[i] = nb - 1;
    }
    T->xb[nb] = nx;
    axis_table(ny, f, 1, T->yl, T->yh, T->wy);
    axis_table(nz, f, 0, T->zl, T->zh, T->wz);
    return 0;
}

/* The coarse layers that fine layer k lies between and their weights (top: c[-1] = c[0];
 * bottom: c[nz] = c[nz-1] for no flux, -c[nz-1] for the vascular sink, i.e. linear to zero
 * at the face). */
static void z_pair(const struct prolong_tables *T, int64_t k, const derm_real *coarse, const derm_real **P0,
                   const derm_real **P1, double *a, double *b)
{
    int64_t K0 = T->zl[k], K1 = T->zh[k];
    double s1 = 1.0;
    if (K0 < 0) K0 = 0;
    if (K1 >= T->nzc) {
        K1 = T->nzc - 1;
        if (T->vascular) s1 = -1.0;
    }
    *a = 1.0 - T->wz[k];
    *b = T->wz[k] * s1;
    *P0 = coarse + K0 * T->nxc * T->nyc;
    *P1 = coarse + K1 * T->nxc * T->nyc;
}

/* The four coarse rows fine row j of fine layer k lies between, with their weights in z
 * (a, b) and y (u, v). */
struct zy_rows {
    const derm_real *r00, *r01, *r10, *r11;
    double a, b, u, v;
};

/* The rows of fine row j in the z pair (P0, P1, a, b) of its layer (z_pair's), with their
 * weights in y: a layer's pair made once serves every row in it. */
static inline struct zy_rows zy_rows_in(const struct prolong_tables *T, const derm_real *P0, const derm_real *P1,
                                        double a, double b, int64_t j)
{
    const int64_t nxc = T->nxc;
    return (struct zy_rows){.r00 = P0 + T->yl[j] * nxc,
                            .r01 = P0 + T->yh[j] * nxc,
                            .r10 = P1 + T->yl[j] * nxc,
                            .r11 = P1 + T->yh[j] * nxc,
                            .a = a,
                            .b = b,
                            .u = 1.0 - T->wy[j],
                            .v = T->wy[j]};
}

static inline struct zy_rows zy_rows_at(const struct prolong_tables *T, const derm_real *coarse, int64_t j, int64_t k)
{
    const derm_real *P0, *P1;
    double a, b;
    z_pair(T, k, coarse, &P0, &P1, &a, &b);
    return zy_rows_in(T, P0, P1, a, b, j);
}

/* Coarse column I interpolated in z and y: the one formula of the prolongation before x,
 * shared by rows and points so their bits agree. */
static inline double zy_value(const struct zy_rows *R, int64_t I)
{
    return R->u * (R->a * R->r00[I] + R->b * R->r10[I]) + R->v * (R->a * R->r01[I] + R->b * R->r11[I]);
}

/* The coarse row of fine row j of fine layer k, interpolated in z and y (nxc values). */
DERM_SIMD_CLONES static void coarse_row(const struct prolong_tables *T, const derm_real *coarse, int64_t j, int64_t k,
                                        double *restrict row)
{
    const struct zy_rows R = zy_rows_at(T, coarse, j, k);
    const int64_t nxc = T->nxc;
#pragma omp simd
    for (int64_t I = 0; I < nxc; I++) row[I] = zy_value(&R, I);
}

/* Fine cells i0 .. i1 - 1 of a row from its coarse row, interpolated in x (DERM_SIMD_CLONES,
 * core/simd.h: an AVX2 copy with the same bits). From a factor of 4 up, run by run of x (see
 * prolong_tables): the run's two coarse values are loaded once, not gathered per cell; the
 * same operations on the same values, so the same bits. */
DERM_SIMD_CLONES static void fine_row(const struct prolong_tables *T, int64_t i0, int64_t i1, const double *row,
                                      derm_real *restrict out)
{
    const int64_t *xl = T->xl, *xh = T->xh, *xb = T->xb;
    const double *wx = T->wx;
    if (T->f < 4) {
#pragma omp simd
        for (int64_t i = i0; i < i1; i++) out[i - i0] = (derm_real)((1.0 - wx[i]) * row[xl[i]] + wx[i] * row[xh[i]]);
        return;
    }
    for (int64_t b = i0 < i1 ? T->xr[i0] : 0, s = i0; s < i1; s = xb[++b]) {
        const int64_t e = xb[b + 1] < i1 ? xb[b + 1] : i1;
        const double lo = row[xl[s]], hi = row[xh[s]];
        derm_real *restrict o = out + (s - i0);
#pragma omp simd
        for (int64_t i = s; i < e; i++) o[i - s] = (derm_real)((1.0 - wx[i]) * lo + wx[i] * hi);
    }
}

/* The whole fine field from coarse through T, layers in parallel, a coarse row per thread:
 * 0, or -1 when the rows cannot be allocated (fine untouched). */
static int prolong_with(const struct prolong_tables *T, const derm_real *coarse, derm_real *fine)
{
    const int64_t nx = T->g.nx, ny = T->g.ny, nz = T->g.nz, nxc = T->nxc;
    const int nt = omp_get_max_threads();
    double *rows = malloc((size_t)nt * (size_t)nxc * sizeof *rows);
    if (!rows) return -1;
#pragma omp parallel num_threads(nt) default(none) shared(T, coarse, fine, rows) firstprivate(nx, ny, nz, nxc)
    {
        double *row = rows + (size_t)omp_get_thread_num() * (size_t)nxc;
#pragma omp for schedule(static)
        for (int64_t k = 0; k < nz; k++)
            for (int64_t j = 0; j < ny; j++) {
                coarse_row(T, coarse, j, k, row);
                fine_row(T, 0, nx, row, fine + (k * ny + j) * nx);
            }
    }
    free(rows);
    return 0;
}

int derm_signal_grids_prolong(const struct derm_grid *g, int64_t f, int bottom_vascular, const derm_real *coarse,
                              derm_real *fine)
{
    struct prolong_tables T;
    if (prolong_tables_init(&T, g, f, bottom_vascular) != 0) return -1;
    const int r = prolong_with(&T, coarse, fine);
    prolong_tables_fini(&T);
    return r;
}

derm_status derm_signal_grids_step(struct derm_signal_grids *sg, derm_real *const *c, const derm_real *const *src,
                                   double dt_h, struct derm_err *err)
{
    if (!sg || !c) return derm_err_set(err, DERM_EINTERNAL, "signal grids: NULL solver or fields");
    for (int q = 0; q < sg->ngroups; q++) {
        struct derm_signal_group *G = &sg->grp[q];
        for (int j = 0; j < G->n; j++) {
            const int s = G->sig[j];
            const derm_real *S = src ? src[s] : NULL;
            if (G->f == 1) {
                sg->cptr[j] = c[s];
                sg->sptr[j] = S;
            } else {
                sg->cptr[j] = G->cs[j];
                sg->sptr[j] = NULL;
                if (S == G->csrc[j]) {
                    sg->sptr[j] = S; /* deposited on the coarse grid already */
                } else if (S) {
                    derm_signal_grids_restrict(&sg->g, G->f, S, G->csrc[j]);
                    sg->sptr[j] = G->csrc[j];
                }
            }
        }
        DERM_TRY(derm_diffusion_step(G->solver, sg->cptr, sg->sptr, dt_h, err));
        if (G->f > 1)
            for (int j = 0; j < G->n; j++)
                if (!sg->lazy[G->sig[j]] && prolong_with(&G->t, G->cs[j], c[G->sig[j]]) != 0)
                    return derm_err_set(err, DERM_ENOMEM, "signal grids: out of memory for interpolation rows");
    }
    return DERM_OK;
}

void derm_signal_grids_promise_unchanged(struct derm_signal_grids *sg)
{
    for (int q = 0; q < sg->ngroups; q++) derm_diffusion_promise_unchanged(sg->grp[q].solver);
}

int derm_signal_grids_load(struct derm_signal_grids *sg, derm_real *const *c)
{
    for (int q = 0; q < sg->ngroups; q++) {
        struct derm_signal_group *G = &sg->grp[q];
        if (G->f == 1) continue;
        for (int j = 0; j < G->n; j++) {
            if (!c[G->sig[j]]) { /* no fine field: zero */
                memset(G->cs[j], 0, (size_t)G->gc.n * sizeof(derm_real));
                continue;
            }
            derm_signal_grids_restrict(&sg->g, G->f, c[G->sig[j]], G->cs[j]);
            if (prolong_with(&G->t, G->cs[j], c[G->sig[j]]) != 0) return -1;
        }
    }
    return 0;
}

/* The coarse group holding signal s and s's index j in it; NULL if s is on the voxel grid. */
static const struct derm_signal_group *coarse_group(const struct derm_signal_grids *sg, int s, int *j)
{
    for (int q = 0; q < sg->ngroups; q++) {
        const struct derm_signal_group *G = &sg->grp[q];
        if (G->f == 1) continue;
        for (*j = 0; *j < G->n; (*j)++)
            if (G->sig[*j] == s) return G;
    }
    return NULL;
}

int derm_signal_grids_fine(const struct derm_signal_grids *sg, int s, derm_real *fine)
{
    int j;
    const struct derm_signal_group *G = coarse_group(sg, s, &j);
    return G ? prolong_with(&G->t, G->cs[j], fine) : 1;
}

void derm_signal_grids_scale(struct derm_signal_grids *sg, int s, double r)
{
    int j;
    const struct derm_signal_group *G = coarse_group(sg, s, &j);
    if (G)
        for (int64_t v = 0; v < G->gc.n; v++) G->cs[j][v] *= r;
}

derm_real *derm_signal_grids_source(struct derm_signal_grids *sg, int s)
{
    int j;
    const struct derm_signal_group *G = coarse_group(sg, s, &j);
    return G ? G->csrc[j] : NULL;
}

void derm_signal_grids_add_layers(const struct derm_signal_grids *sg, int s, const derm_real *per_layer, derm_real *src)
{
    /* f = 1 included: there each layer's mean is its own value, exactly (0 + x, then / 1) */
    const int64_t f = sg->factor[s], pc = (sg->g.nx / f) * (sg->g.ny / f), nzc = sg->g.nz / f;
#pragma omp parallel for schedule(static) default(none) shared(per_layer, src) firstprivate(f, pc, nzc)
    for (int64_t K = 0; K < nzc; K++) {
        double add = 0.0;
        for (int64_t k = K * f; k < (K + 1) * f; k++) add += per_layer[k];
        add /= (double)f;
        if (add == 0.0) continue;
        for (int64_t V = K * pc; V < (K + 1) * pc; V++) src[V] += add;
    }
}

/* ---- fine values made when read (lazy signals) ------------------------------------------ */

void derm_signal_grids_set_lazy(struct derm_signal_grids *sg, int s, int lazy)
{
    sg->lazy[s] = lazy && sg->factor[s] > 1;
}

int derm_signal_grids_lazy(const struct derm_signal_grids *sg, int s) { return sg->lazy[s]; }

/* Fine cell i of a row from the z-y values of its two coarse columns: fine_row's formula. */
static inline double x_blend(const struct prolong_tables *T, int64_t i, double lo, double hi)
{
    return (1.0 - T->wx[i]) * lo + T->wx[i] * hi;
}

/* The prolongation at voxel (i, j, k) alone: the operations of coarse_row and fine_row. */
static double point_value(const struct prolong_tables *T, const derm_real *coarse, int64_t i, int64_t j, int64_t k)
{
    const struct zy_rows R = zy_rows_at(T, coarse, j, k);
    return x_blend(T, i, zy_value(&R, T->xl[i]), zy_value(&R, T->xh[i]));
}

/* The groups and coarse states of signals ids[0 .. n): 0, or -1 if one is not lazy. */
static int lazy_states(const struct derm_signal_grids *sg, int n, const int *ids, const struct derm_signal_group **G,
                       const derm_real **coarse)
{
    for (int x = 0; x < n; x++) {
        int j;
        if (!sg->lazy[ids[x]] || !(G[x] = coarse_group(sg, ids[x], &j))) return -1;
        coarse[x] = G[x]->cs[j];
    }
    return 0;
}

void derm_signal_grids_gather(const struct derm_signal_grids *sg, int n, const int *ids, const int64_t *vox,
                              int64_t nvox, derm_real *const *out)
{
    const struct derm_signal_group *G[DERM_SIGNAL_GRIDS_MAX_SPAN];
    const derm_real *coarse[DERM_SIGNAL_GRIDS_MAX_SPAN];
    if (n < 1 || n > DERM_SIGNAL_GRIDS_MAX_SPAN || lazy_states(sg, n, ids, G, coarse) != 0) return;
    const int64_t nx = sg->g.nx, ny = sg->g.ny;
#pragma omp parallel for schedule(static) default(none) shared(sg, G, coarse, vox, out) firstprivate(n, nvox, nx, ny)
    for (int64_t q = 0; q < nvox; q++) {
        const int64_t v = vox[q], j0 = v / nx, i = v - j0 * nx, k = j0 / ny, j = j0 - k * ny;
        for (int x = 0; x < n; x++) out[x][q] = (derm_real)point_value(&G[x]->t, coarse[x], i, j, k);
    }
}

int derm_signal_grids_probe(const struct derm_signal_grids *sg, int s, struct derm_signal_probe *p)
{
    const struct derm_signal_group *G;
    const derm_real *coarse;
    if (!sg || s < 0 || s >= sg->nsig || lazy_states(sg, 1, &s, &G, &coarse) != 0) return -1;
    *p = (struct derm_signal_probe){.tables = &G->t, .state = coarse};
    return 0;
}

derm_real derm_signal_grids_probe_at(const struct derm_signal_probe *p, int64_t i, int64_t j, int64_t k)
{
    return (derm_real)point_value(p->tables, p->state, i, j, k);
}

void derm_signal_grids_probe_star(const struct derm_signal_probe *p, int64_t i, int64_t j, int64_t k,
                                  const int64_t nb[6], derm_real out[6])
{
    const struct prolong_tables *T = p->tables;
    const derm_real *c = p->state;
    /* the z pairs of layers k, nb[4], nb[5], each made once */
    const derm_real *P0, *P1, *U0, *U1, *W0, *W1;
    double a, b, ua, ub, wa, wb;
    z_pair(T, k, c, &P0, &P1, &a, &b);
    z_pair(T, nb[4], c, &U0, &U1, &ua, &ub);
    z_pair(T, nb[5], c, &W0, &W1, &wa, &wb);
    /* x: both neighbours on row (j, k); a coarse column they share is interpolated once (the
     * same operations on the same values: the same bits) */
    const struct zy_rows R = zy_rows_in(T, P0, P1, a, b, j);
    const int64_t a0 = T->xl[nb[0]], a1 = T->xh[nb[0]], b0 = T->xl[nb[1]], b1 = T->xh[nb[1]];
    const double za0 = zy_value(&R, a0), za1 = a1 == a0 ? za0 : zy_value(&R, a1);
    const double zb0 = b0 == a0 ? za0 : b0 == a1 ? za1 : zy_value(&R, b0);
    const double zb1 = b1 == a0 ? za0 : b1 == a1 ? za1 : b1 == b0 ? zb0 : zy_value(&R, b1);
    out[0] = (derm_real)x_blend(T, nb[0], za0, za1);
    out[1] = (derm_real)x_blend(T, nb[1], zb0, zb1);
    /* y and z: each neighbour on a row of its own, at column i */
    const int64_t il = T->xl[i], ih = T->xh[i];
    const struct zy_rows S[4] = {zy_rows_in(T, P0, P1, a, b, nb[2]), zy_rows_in(T, P0, P1, a, b, nb[3]),
                                 zy_rows_in(T, U0, U1, ua, ub, j), zy_rows_in(T, W0, W1, wa, wb, j)};
    for (int q = 0; q < 4; q++) out[2 + q] = (derm_real)x_blend(T, i, zy_value(&S[q], il), zy_value(&S[q], ih));
}

void derm_signal_grids_span(const struct derm_signal_grids *sg, int n, const int *ids, int64_t q0, int len,
                            double *rows, int64_t *keys, derm_real *const *out)
{
    const struct derm_signal_group *G[DERM_SIGNAL_GRIDS_MAX_SPAN];
    const derm_real *coarse[DERM_SIGNAL_GRIDS_MAX_SPAN];
    if (n < 1 || n > DERM_SIGNAL_GRIDS_MAX_SPAN || lazy_states(sg, n, ids, G, coarse) != 0) return;
    const int64_t nx = sg->g.nx, ny = sg->g.ny, end = q0 + len;
    const int64_t r0 = q0 / nx; /* the fine row (k ny + j) of q0; the rows after it follow by one */
    int64_t i0 = q0 - r0 * nx, key = r0, k = r0 / ny, j = r0 - k * ny;
    for (int64_t v = q0; v < end; key++) {
        const int64_t i1 = end - (v - i0) < nx ? end - (v - i0) : nx;
        for (int x = 0; x < n; x++) {
            double *row = rows + (size_t)x * (size_t)nx;
            if (keys[x] != key) {
                coarse_row(&G[x]->t, coarse[x], j, k, row);
                keys[x] = key;
            }
            fine_row(&G[x]->t, i0, i1, row, out[x] + (v - q0));
        }
        v += i1 - i0;
        i0 = 0;
        if (++j == ny) j = 0, k++;
    }
}
