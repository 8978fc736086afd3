/* firmness.c - the simulated Cutometer on the current matrix (see firmness.h). */
#include "derm/sim/firmness.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "derm/mech/tissue.h"
#include "derm/sim/sim.h"
#include "derm/sim/totals.h"

_Static_assert(sizeof(struct derm_firmness) % sizeof(double) == 0, "firmness: doubles only");
_Static_assert(sizeof(struct derm_cutometer) == 12 * sizeof(double), "cutometer readouts: doubles only");

static double ratio(double x, double young) { return young > 0 ? x / young : 1.0; }

/* Lateral mean of field f in layer k, summed in index order. */
static double layer_mean(const struct derm_sim *s, int f, int64_t k)
{
    const int64_t nxy = s->grid.nx * s->grid.ny;
    const derm_real *v = s->f.matrix[f] + k * nxy;
    double sum = 0.0;
    for (int64_t i = 0; i < nxy; i++) sum += v[i];
    return sum / (double)nxy;
}

/* Composition of layer k (lateral means m, young profile y) as it is in the tissue: the
 * block's voxels keep their volume while the matrix they hold is lost, but the tissue
 * itself shrinks with its matrix (the dermal thickness readout, relative to young), so every
 * amount is read per volume of the compacted tissue (amount x inv, inv = 1 / relative
 * thickness). Shares (the fragmented fraction, AGE per collagen) do not change with
 * compaction. *f0 receives the young fragmented share of the layer. */
static struct derm_mech_composition layer_composition(const double *m, const double *y, int64_t nz, int64_t k,
                                                      double inv, double *f0)
{
#define Y(f) y[(f)*nz + k]
    const double ci = m[DERM_M_COLLAGEN_INTACT], cf = m[DERM_M_COLLAGEN_FRAGMENTED];
    const double yi = Y(DERM_M_COLLAGEN_INTACT), yf = Y(DERM_M_COLLAGEN_FRAGMENTED);
    const double ye = Y(DERM_M_ELASTIN_FUNCTIONAL);
    const double x = ci + cf > 0 ? m[DERM_M_AGE_AMOUNT] / (ci + cf) : 0.0;
    const double x0 = yi + yf > 0 ? Y(DERM_M_AGE_AMOUNT) / (yi + yf) : 0.0;
    *f0 = yi + yf > 0 ? yf / (yi + yf) : 0.0;
    struct derm_mech_composition c = {
        .collagen = ratio(ci, yi) * inv,
        .fragmented = ci + cf > 0 ? cf / (ci + cf) : 1.0,
        .elastin = ratio(m[DERM_M_ELASTIN_FUNCTIONAL], ye) * inv,
        .elastotic = ye > 0 ? (m[DERM_M_ELASTIN_ELASTOTIC] * inv - Y(DERM_M_ELASTIN_ELASTOTIC)) / ye : 0.0,
        .age_excess = x0 > 0 ? x / x0 - 1.0 : 0.0,
        .ha = ratio(m[DERM_M_HA_HMW], Y(DERM_M_HA_HMW)) * inv,
    };
#undef Y
    return c;
}

void derm_firmness_layers(const struct derm_sim *s, struct derm_mech_layer *out, double *dermis_mm, double *water)
{
    derm_firmness_layers_from(s, NULL, 0, out, dermis_mm, water);
}

void derm_firmness_layers_from(const struct derm_sim *s, const double *sums, int stride, struct derm_mech_layer *out,
                               double *dermis_mm, double *water)
{
    const int64_t nz = s->grid.nz;
    double msum[DERM_NMATRIX] = {0};
    /* the layer means first: the relative thickness needs every layer's (if the array cannot
     * be had, the second pass takes the means again) */
    double *mk = malloc(sizeof(double) * DERM_NMATRIX * (size_t)nz);
    const double nxy = (double)(s->grid.nx * s->grid.ny);
    if (mk && sums) /* the caller's layer sums */
        for (int64_t k = 0; k < nz; k++)
            for (int f = 0; f < DERM_NMATRIX; f++) mk[k * DERM_NMATRIX + f] = sums[k * stride + f];
    else if (mk) /* the same serial sums per layer, eight fields per loop, the layers in parallel */
        derm_totals_layer_sums(&s->grid, DERM_NMATRIX, (const derm_real *const *)s->f.matrix, mk);
    for (int64_t k = 0; k < nz; k++)
        for (int f = 0; f < DERM_NMATRIX; f++) {
            double v = mk ? mk[k * DERM_NMATRIX + f] / nxy : layer_mean(s, f, k);
            msum[f] += v;
            if (mk) mk[k * DERM_NMATRIX + f] = v;
        }
    for (int f = 0; f < DERM_NMATRIX; f++) msum[f] *= nxy; /* layer means -> domain sums */
    const double rel = derm_totals_dermal_thickness(s, msum) / derm_grid_lz(&s->grid);
    const double inv = rel > 0.01 ? 1.0 / rel : 100.0; /* a collapsed dermis keeps 1 % */
    const double *y = s->young_profile;
    for (int64_t k = 0; k < nz; k++) {
        double m[DERM_NMATRIX];
        for (int f = 0; f < DERM_NMATRIX; f++) m[f] = mk ? mk[k * DERM_NMATRIX + f] : layer_mean(s, f, k);
        double f0;
        const struct derm_mech_composition c = layer_composition(m, y, nz, k, inv, &f0);
        out[k] = derm_tissue_dermal_layer(&s->c.mech, &c, f0);
    }
    free(mk);
    *dermis_mm = derm_tissue_dermis_mm(&s->c.mech, rel);
    *water = derm_tissue_water_content(&s->c.mech, ratio(msum[DERM_M_HA_HMW], s->young_matrix[DERM_M_HA_HMW]) * inv);
}

/* Has the column moved beyond the tolerance since the key was taken? The root mean square
 * of the relative changes of its layer values (thickness, G0, G1, tau1, eta_f), so that a
 * trend of the whole column, not one slice's fluctuation, decides. */
static int moved(const struct derm_firmness *f, const double *key, int nkey, double tol)
{
    if (!(f->solved > 0) || (int)f->nkey != nkey) return 1;
    double ss = 0.0;
    for (int i = 0; i < nkey; i++) {
        double d = f->key[i] != 0 ? (key[i] - f->key[i]) / f->key[i] : (key[i] != 0);
        ss += d * d;
    }
    return !(sqrt(ss / nkey) <= tol);
}

derm_status derm_firmness_update(struct derm_sim *s, struct derm_err *err)
{
    return derm_firmness_update_from(s, NULL, 0, err);
}

derm_status derm_firmness_update_from(struct derm_sim *s, const double *sums, int stride, struct derm_err *err)
{
    const int64_t nz = s->grid.nz;
    struct derm_mech_layer *d = malloc(sizeof *d * (size_t)nz), col[DERM_FIRMNESS_MAX_LAYERS];
    if (!d) return derm_err_set(err, DERM_ENOMEM, "out of memory (firmness)");
    double dermis_mm, water;
    derm_firmness_layers_from(s, sums, stride, d, &dermis_mm, &water);
    int n = derm_tissue_column(&s->c.mech, d, (int)nz, dermis_mm, col);
    free(d);
    struct derm_firmness *f = &s->firm;
    f->water = water;
    double key[DERM_FIRMNESS_KEY];
    for (int l = 0; l < n; l++) {
        double *k = key + 5 * l;
        k[0] = col[l].thick_mm, k[1] = col[l].g0, k[2] = col[l].g1, k[3] = col[l].tau1, k[4] = col[l].eta_f;
    }
    if (!moved(f, key, 5 * n, s->c.cutometer_tolerance)) return DERM_OK;
    DERM_TRY(derm_suction_solve(col, n, &s->c.cutometer, &s->c.cutometer_mesh, &f->cut, NULL, err));
    memcpy(f->key, key, sizeof(double) * 5 * (size_t)n);
    f->nkey = 5 * n;
    f->solved = 1;
    f->solves += 1;
    return DERM_OK;
}

struct derm_cutometer derm_firmness_readouts(const struct derm_sim *s) { return s->firm.cut; }
