/* test_lean_kernels.c - the kernels of the lean build (float32 voxel-grid storage,
 * include/derm/core/real.h) against closed forms and budgets.
 *
 * Linked to dermsim_core_lean (CMake option DERM_LEAN), where derm_real is float: every
 * array here that the kernels read or write on a grid is float32, arithmetic inside them is
 * double. The default build's tests (tests/unit/test_*.c) check the same kernels to 1e-10
 * or bitwise; here the tolerance is what storing each value as float32 costs (about 6e-8
 * relative per store; a few stores per step), stated at each assertion:
 *   - the storage is float32;
 *   - the spectral solver: a uniform field and a lateral cosine mode decay exactly (the
 *     mode with its discrete eigenvalue) to 1e-6 of the field over 10 steps; with no-flux
 *     faces, no decay and a source, the amount grows by the source's amount x dt (1e-6);
 *   - signals on a coarser grid: restriction keeps the amount (1e-6), prolongation of a
 *     coarse state keeps f^3 x its amount (1e-6) and stays non-negative;
 *   - the matrix step: every pool's budget (change = made - removed, from the step's flux
 *     sums in double) closes to 2e-6 of the pool over steps of 1 h to 5 years, every flux
 *     is non-negative, and the young balance stays within 1e-5 over 260 weekly steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../matrix_coef.h"
#include "derm/core/real.h"
#include "derm/core/units.h"
#include "derm/io/params.h"
#include "derm/model/matrix.h"
#include "derm/solve/diffusion.h"
#include "derm/solve/signal_grids.h"
#include "derm/store/fields.h"

static const double PI = 3.14159265358979323846;

static struct derm_grid make_grid(int64_t nx, int64_t ny, int64_t nz, double h)
{
    return (struct derm_grid){.nx = nx, .ny = ny, .nz = nz, .h_um = h, .n = nx * ny * nz};
}

static derm_real *alloc_real(int64_t n)
{
    derm_real *p = calloc((size_t)n, sizeof *p);
    assert_non_null(p);
    return p;
}

static double urand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) * (1.0 / 9007199254740992.0);
}

static double total(const derm_real *x, int64_t n)
{
    double s = 0.0;
    for (int64_t v = 0; v < n; v++) s += x[v];
    return s;
}

static void test_storage_is_float32(void **state)
{
    (void)state;
    assert_int_equal(sizeof(derm_real), 4);
    assert_int_equal(DERM_REAL_IS_FLOAT, 1);
    assert_string_equal(DERM_REAL_NAME, "float32");
    struct derm_fields f;
    const struct derm_grid g = make_grid(3, 2, 2, 10.0);
    assert_int_equal(derm_fields_init(&f, &g, 0, NULL), DERM_OK);
    f.matrix[0][g.n - 1] = 1.0f; /* allocated as g.n float32 values */
    derm_fields_fini(&f);
}

/* A uniform part and a lateral cosine mode, each decaying with its own exact rate. */
static void test_diffusion_mode_decay(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(16, 8, 8, 20.0);
    const double D[1] = {20.0 * 3600.0}, k[1] = {0.1};
    struct derm_diffusion *d = NULL;
    assert_int_equal(derm_diffusion_create(&d, &g, 1, D, k, 0, NULL), DERM_OK);
    derm_real *c = alloc_real(g.n);
    const double a0 = 2.0, a1 = 0.5, th = 2.0 * PI / (double)g.nx;
    for (int64_t v = 0; v < g.n; v++) c[v] = (derm_real)(a0 + a1 * cos(th * (double)(v % g.nx)));
    /* the discrete eigenvalue of the 7-point Laplacian for this mode (periodic x) */
    const double mu = (2.0 - 2.0 * cos(th)) / (g.h_um * g.h_um);
    derm_real *cs[1] = {c};
    double t = 0.0, worst = 0.0;
    for (int s = 0; s < 10; s++) {
        const double dt = s < 5 ? 0.5 : 2.0; /* a step change rebuilds the multipliers */
        assert_int_equal(derm_diffusion_step(d, cs, NULL, dt, NULL), DERM_OK);
        t += dt;
        for (int64_t v = 0; v < g.n; v++) {
            const double want = a0 * exp(-k[0] * t) + a1 * cos(th * (double)(v % g.nx)) * exp(-(k[0] + D[0] * mu) * t);
            worst = fmax(worst, fabs(c[v] - want) / (a0 * exp(-k[0] * t)));
        }
    }
    print_message("cosine mode: worst error %.3g of the field\n", worst);
    assert_true(worst <= 1e-6);
    derm_diffusion_free(d);
    free(c);
}

/* No-flux faces, no decay: the amount grows by exactly the source's amount x dt. */
static void test_diffusion_amount_with_sources(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(12, 10, 6, 10.0);
    const double D[1] = {10.0 * 3600.0}, k[1] = {0.0};
    struct derm_diffusion *d = NULL;
    assert_int_equal(derm_diffusion_create(&d, &g, 1, D, k, 0, NULL), DERM_OK);
    derm_real *c = alloc_real(g.n), *S = alloc_real(g.n);
    uint64_t r = 7;
    for (int64_t v = 0; v < g.n; v++) {
        c[v] = (derm_real)(0.5 + urand(&r));
        S[v] = (derm_real)(urand(&r) < 0.1 ? 3.0 * urand(&r) : 0.0);
    }
    derm_real *cs[1] = {c};
    const derm_real *ss[1] = {S};
    for (int s = 0; s < 5; s++) {
        const double before = total(c, g.n), dt = 3.0;
        assert_int_equal(derm_diffusion_step(d, cs, ss, dt, NULL), DERM_OK);
        const double want = before + total(S, g.n) * dt;
        assert_true(fabs(total(c, g.n) - want) <= 1e-6 * want);
        for (int64_t v = 0; v < g.n; v++) assert_true(c[v] >= 0.0f);
    }
    derm_diffusion_free(d);
    free(c);
    free(S);
}

static void test_signal_grids_keep_the_amount(void **state)
{
    (void)state;
    const struct derm_grid g = make_grid(12, 8, 8, 10.0);
    const int64_t f = 2, nc = g.n / (f * f * f);
    derm_real *fine = alloc_real(g.n), *coarse = alloc_real(nc), *back = alloc_real(g.n);
    uint64_t r = 11;
    for (int64_t v = 0; v < g.n; v++) fine[v] = (derm_real)(urand(&r) * urand(&r) * 4.0);
    derm_signal_grids_restrict(&g, f, fine, coarse);
    assert_true(fabs(total(coarse, nc) * (double)(f * f * f) - total(fine, g.n)) <= 1e-6 * total(fine, g.n));
    assert_int_equal(derm_signal_grids_prolong(&g, f, 0, coarse, back), 0);
    assert_true(fabs(total(back, g.n) - (double)(f * f * f) * total(coarse, nc)) <= 1e-6 * total(back, g.n));
    for (int64_t v = 0; v < g.n; v++) assert_true(back[v] >= 0.0f);
    free(fine);
    free(coarse);
    free(back);
}

/* ---- the matrix step --------------------------------------------------------------------- */

struct mstate {
    struct derm_grid g;
    derm_real *m[DERM_NMATRIX], *sig[DERM_NSIGNAL], *dep[4]; /* collagen, elastin, HA, elastotic */
    double *layer_sums;
};

static void mstate_init(struct mstate *s, const struct derm_matrix_coef *c, int random)
{
    s->g = make_grid(9, 5, 4, 20.0);
    const int64_t n = s->g.n;
    for (int q = 0; q < DERM_NMATRIX; q++) s->m[q] = alloc_real(n);
    for (int q = 0; q < DERM_NSIGNAL; q++) s->sig[q] = alloc_real(n);
    for (int q = 0; q < 4; q++) s->dep[q] = alloc_real(n);
    assert_non_null(s->layer_sums = calloc((DERM_MATRIX_NFLUX + 1) * (size_t)s->g.nz, sizeof(double)));
    /* the young balance (every signal 1, deposition = turnover), then randomised */
    const double I0 = 250.0, F0 = I0 * c->k_cleave_h / c->k_clear_h, E0 = 10.0, H0 = 0.5;
    const double kel = c->k_elastin_h + c->k_oxidation_h;
    uint64_t r = 17;
    for (int64_t v = 0; v < n; v++) {
        const double x = random ? 0.3 + 1.4 * urand(&r) : 1.0;
        for (int q = 0; q < DERM_NSIGNAL; q++) s->sig[q][v] = (derm_real)(random ? 0.2 + 4.8 * urand(&r) : 1.0);
        s->m[DERM_M_COLLAGEN_INTACT][v] = (derm_real)(I0 * x);
        s->m[DERM_M_COLLAGEN_FRAGMENTED][v] = (derm_real)F0;
        s->m[DERM_M_AGE_AMOUNT][v] = (derm_real)(c->age_ref * (I0 * x + F0));
        s->m[DERM_M_ELASTIN_FUNCTIONAL][v] = (derm_real)(E0 * x);
        s->m[DERM_M_ELASTIN_ELASTOTIC][v] = (derm_real)(c->k_oxidation_h * E0 / c->k_elastotic_h);
        s->m[DERM_M_HA_HMW][v] = (derm_real)H0;
        s->m[DERM_M_HA_LMW][v] = (derm_real)(c->lmw_yield * c->k_ha_h * H0 / c->k_lmw_h);
        s->m[DERM_M_ELASTIN_AGE_AMOUNT][v] = (derm_real)(random ? urand(&r) : 0.0);
        s->dep[0][v] = (derm_real)(c->k_cleave_h * I0 * (random ? 2.0 * urand(&r) : 1.0));
        s->dep[1][v] = (derm_real)(kel * E0 * (random ? 2.0 * urand(&r) : 1.0));
        s->dep[2][v] = (derm_real)(c->k_ha_h * H0 - c->ha_supply);
        s->dep[3][v] = (derm_real)(random ? 2e-5 * (double)(v % 5) : 0.0);
    }
}

static void mstate_fini(struct mstate *s)
{
    for (int q = 0; q < DERM_NMATRIX; q++) free(s->m[q]);
    for (int q = 0; q < DERM_NSIGNAL; q++) free(s->sig[q]);
    for (int q = 0; q < 4; q++) free(s->dep[q]);
    free(s->layer_sums);
}

/* One step at glucose ratio 1.3 and fragment uptake 0.6 (young: 1 and 1). */
static void mstep(struct mstate *s, const struct derm_matrix_coef *c, double dt, int young, struct derm_matrix_flux *fl)
{
    const struct derm_matrix_deposition dep = {s->dep[0], s->dep[1], s->dep[2], s->dep[3], NULL,
                                               NULL,      NULL,      NULL,      NULL};
    const double glucose = young ? 1.0 : 1.3, uptake = young ? 1.0 : 0.6;
    assert_int_equal(derm_matrix_step(&s->g, s->m, (const derm_real *const *)s->sig, &dep, glucose, uptake, c, dt, NULL,
                                      s->layer_sums, fl, NULL),
                     DERM_OK);
}

static void test_matrix_budgets_close(void **state)
{
    (void)state;
    struct derm_params p;
    derm_params_defaults(&p);
    struct derm_matrix_coef c = default_coef();
    c.age_form_el_ref_h = p.glycation_elastin_formation_per_year / DERM_HOURS_PER_YEAR;
    struct mstate s;
    mstate_init(&s, &c, 1);
    const int64_t n = s.g.n;
    const double dts[] = {1.0, 168.0, 8766.0, 5.0 * 8766.0};
    for (size_t d = 0; d < sizeof dts / sizeof *dts; d++) {
        double m0[DERM_NMATRIX], m1[DERM_NMATRIX];
        for (int q = 0; q < DERM_NMATRIX; q++) m0[q] = total(s.m[q], n);
        struct derm_matrix_flux fl;
        mstep(&s, &c, dts[d], 0, &fl);
        for (int q = 0; q < DERM_NMATRIX; q++) m1[q] = total(s.m[q], n);
        assert_matrix_budgets_close(m0, m1, &fl, 2e-6); /* the stored pools' float32 rounding */
        const double *fv = (const double *)&fl;
        for (int i = 0; i < DERM_MATRIX_NFLUX; i++) assert_true(fv[i] >= 0.0 && isfinite(fv[i]));
        for (int q = 0; q < DERM_NMATRIX; q++)
            for (int64_t v = 0; v < n; v++) assert_true(s.m[q][v] >= 0.0f);
    }
    mstate_fini(&s);
}

static void test_matrix_young_balance_holds(void **state)
{
    (void)state;
    struct derm_matrix_coef c = default_coef();
    struct mstate s;
    mstate_init(&s, &c, 0);
    /* AGE formed at the rate that holds AGE per collagen at age_ref (test_matrix.c); none on
     * elastin, whose AGE starts at 0 here */
    const double I0 = s.m[DERM_M_COLLAGEN_INTACT][0], F0 = s.m[DERM_M_COLLAGEN_FRAGMENTED][0];
    c.age_form_ref_h = c.age_ref * c.k_cleave_h * I0 / (I0 + F0) / (1.0 + c.age_ref / c.age_half);
    c.age_form_el_ref_h = 0.0;
    double m0[DERM_NMATRIX];
    for (int q = 0; q < DERM_NMATRIX; q++) m0[q] = s.m[q][0];
    struct derm_matrix_flux fl;
    for (int i = 0; i < 260; i++) mstep(&s, &c, 168.0, 1, &fl);
    const int pools[] = {DERM_M_COLLAGEN_INTACT,
                         DERM_M_COLLAGEN_FRAGMENTED,
                         DERM_M_AGE_AMOUNT,
                         DERM_M_ELASTIN_FUNCTIONAL,
                         DERM_M_ELASTIN_ELASTOTIC,
                         DERM_M_HA_HMW,
                         DERM_M_HA_LMW};
    for (size_t i = 0; i < sizeof pools / sizeof *pools; i++)
        for (int64_t v = 0; v < s.g.n; v++) assert_true(fabs(s.m[pools[i]][v] - m0[pools[i]]) <= 1e-5 * m0[pools[i]]);
    mstate_fini(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_storage_is_float32),
        cmocka_unit_test(test_diffusion_mode_decay),
        cmocka_unit_test(test_diffusion_amount_with_sources),
        cmocka_unit_test(test_signal_grids_keep_the_amount),
        cmocka_unit_test(test_matrix_budgets_close),
        cmocka_unit_test(test_matrix_young_balance_holds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
