/* test_initial.c - model/initial: the cells and matrix of a young adult.
 *
 * Checks: every layer holds its expected fibroblast count rounded down or up (reference
 * density x voxels per layer), placed inside its layer and the domain; division counts in
 * [0, initial_divisions_max]; lineage damage in [0, damage rate x start age]; the state mix
 * (no senescence without damage or senescence rate; the activated share near
 * activation / (activation + deactivation)); progenitors the stem fraction of the
 * fibroblasts (rounded), quiescent, attached; ids 1..n; the same seed gives the same cells,
 * another seed other positions. The matrix is the steady state of every pool: F = I
 * kI / kF, AGE = X0 (I + F), LMW HA = yield kH H / kL, no elastotic material, elastin AGE
 * formed since birth at the glucose ratio and cleared with elastin turnover (closed form).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/core/units.h"
#include "derm/model/initial.h"
#include "derm/store/fields.h"

#define assert_rel(got, want, rtol)                                                                                  \
    do {                                                                                                             \
        double g_ = (got), w_ = (want);                                                                              \
        if (!(fabs(g_ - w_) <= (rtol)*fmax(fabs(w_), 1e-300))) fail_msg("%s = %.17g, expected %.17g", #got, g_, w_); \
    } while (0)

static struct derm_initial_coef coef(void)
{
    struct derm_initial_coef c = {0};
    c.seed = 11;
    c.age_start_years = 25.0;
    c.activation_per_day = 0.1;
    c.deactivation_per_day = 0.3;
    c.initial_divisions_max = 20;
    c.damage_per_year = 0.01;
    c.senescence_per_year = 0.0;
    c.clearance_per_year = 10.0;
    c.stem_fraction = 0.05;
    c.collagen_density = 250.0;
    c.elastin_density = 10.0;
    c.ha_density = 0.5;
    c.age_per_collagen = 5.0;
    c.elastin_age_form_per_year = 0.2;
    c.elastin_half_life_years = 70.0;
    c.glucose_ratio = 1.2;
    return c;
}

static void test_cells_by_layer(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 6, 5, 4, 20.0, NULL), DERM_OK);
    const double rho[4] = {2.3, 1.0, 0.55, 3.0}; /* per voxel */
    const struct derm_initial_coef c = coef();
    struct derm_agents a;
    struct derm_err err = {0};
    assert_int_equal(derm_agents_init(&a, 4, &err), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &a, &c, rho, &err), DERM_OK);
    const double nxy = (double)(g.nx * g.ny), h = g.h_um;
    int64_t per_layer[4] = {0}, nfib = 0, nstem = 0, nact = 0;
    for (int64_t r = 0; r < a.n; r++) {
        assert_int_equal(a.id[r], r + 1);
        assert_true(a.x[r] >= 0.0 && a.x[r] < derm_grid_lx(&g));
        assert_true(a.y[r] >= 0.0 && a.y[r] < derm_grid_ly(&g));
        assert_true(a.z[r] >= 0.0 && a.z[r] < derm_grid_lz(&g));
        assert_true(a.attachment[r] == 1.0 && a.tgfb_response[r] == 1.0);
        if (a.type[r] == DERM_AGENT_STEM) {
            nstem++;
            assert_int_equal(a.state[r], DERM_STATE_QUIESCENT);
            continue;
        }
        assert_int_equal(nstem, 0); /* fibroblasts first, then progenitors */
        nfib++;
        per_layer[(int64_t)floor(a.z[r] / h)]++;
        assert_true(a.divisions[r] >= 0 && a.divisions[r] <= c.initial_divisions_max);
        assert_true(a.damage[r] >= 0.0 && a.damage[r] <= c.damage_per_year * c.age_start_years);
        assert_true(a.state[r] != DERM_STATE_SENESCENT && a.state[r] != DERM_STATE_APOPTOTIC);
        nact += a.state[r] == DERM_STATE_ACTIVATED;
    }
    for (int k = 0; k < 4; k++) {
        const double expect = rho[k] * nxy;
        assert_true((double)per_layer[k] == floor(expect) || (double)per_layer[k] == ceil(expect));
    }
    /* activated share 0.1 / (0.1 + 0.3) = 1/4 of ~206 cells: s.d. ~0.03 */
    const double share = (double)nact / (double)nfib;
    assert_true(share > 0.25 - 0.12 && share < 0.25 + 0.12);
    const double sexp = c.stem_fraction * (double)nfib;
    assert_true((double)nstem == floor(sexp) || (double)nstem == ceil(sexp));
    /* the same seed gives the same cells; another seed other positions */
    struct derm_agents b;
    assert_int_equal(derm_agents_init(&b, 4, &err), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &b, &c, rho, &err), DERM_OK);
    assert_int_equal(a.n, b.n);
    assert_memory_equal(a.x, b.x, (size_t)a.n * sizeof(double));
    assert_memory_equal(a.state, b.state, (size_t)a.n);
    derm_agents_fini(&b);
    struct derm_initial_coef c2 = c;
    c2.seed = 12;
    assert_int_equal(derm_agents_init(&b, 4, &err), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &b, &c2, rho, &err), DERM_OK);
    int64_t same = 0;
    for (int64_t r = 0; r < (a.n < b.n ? a.n : b.n); r++) same += a.x[r] == b.x[r];
    assert_true(same < a.n / 10);
    derm_agents_fini(&b);
    derm_agents_fini(&a);
}

static void test_senescent_share_at_balance(void **state)
{
    (void)state;
    /* with senescence on, the senescent share is the balance hs / (hs + clearance), where
     * hs = senescence x damage^2: all cells senescent when clearance is 0 and damage > 0 */
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 4, 4, 2, 20.0, NULL), DERM_OK);
    const double rho[2] = {2.0, 2.0};
    struct derm_initial_coef c = coef();
    c.senescence_per_year = 5.0;
    c.clearance_per_year = 0.0;
    c.stem_fraction = 0.0;
    struct derm_agents a;
    assert_int_equal(derm_agents_init(&a, 4, NULL), DERM_OK);
    assert_int_equal(derm_initial_cells(&g, &a, &c, rho, NULL), DERM_OK);
    assert_int_equal(a.n, 64);
    for (int64_t r = 0; r < a.n; r++) {
        assert_int_equal(a.type[r], DERM_AGENT_FIBROBLAST);
        if (a.damage[r] > 0.0) assert_int_equal(a.state[r], DERM_STATE_SENESCENT);
    }
    derm_agents_fini(&a);
}

static void test_matrix_steady_state(void **state)
{
    (void)state;
    struct derm_grid g;
    assert_int_equal(derm_grid_init(&g, 3, 2, 2, 20.0, NULL), DERM_OK);
    struct derm_fields f;
    assert_int_equal(derm_fields_init(&f, &g, NULL), DERM_OK);
    const struct derm_initial_coef c = coef();
    struct derm_matrix_coef mc = {0};
    mc.k_cleave_h = 1e-5;
    mc.k_clear_h = 1.3e-4;
    mc.k_ha_h = 0.03;
    mc.k_lmw_h = 0.2;
    mc.lmw_yield = 0.6;
    derm_initial_matrix(&g, f.matrix, &c, &mc);
    const double I0 = 250.0, F0 = I0 * 1e-5 / 1.3e-4, L0 = 0.6 * 0.03 * 0.5 / 0.2;
    const double ke = DERM_LN2 / 70.0;
    const double el_age = 0.2 * 1.2 / ke * 10.0 * (1.0 - exp(-ke * 25.0));
    for (int64_t v = 0; v < g.n; v++) {
        assert_rel(f.matrix[DERM_M_COLLAGEN_INTACT][v], I0, 1e-15);
        assert_rel(f.matrix[DERM_M_COLLAGEN_FRAGMENTED][v], F0, 1e-15);
        assert_rel(f.matrix[DERM_M_AGE_AMOUNT][v], 5.0 * (I0 + F0), 1e-15);
        assert_rel(f.matrix[DERM_M_ELASTIN_FUNCTIONAL][v], 10.0, 1e-15);
        assert_true(f.matrix[DERM_M_ELASTIN_ELASTOTIC][v] == 0.0);
        assert_rel(f.matrix[DERM_M_HA_HMW][v], 0.5, 1e-15);
        assert_rel(f.matrix[DERM_M_HA_LMW][v], L0, 1e-15);
        assert_rel(f.matrix[DERM_M_ELASTIN_AGE_AMOUNT][v], el_age, 1e-14);
    }
    derm_fields_fini(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cells_by_layer),
        cmocka_unit_test(test_senescent_share_at_balance),
        cmocka_unit_test(test_matrix_steady_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
