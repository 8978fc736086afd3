/* suction.c - the layered viscoelastic column under a suction probe (see suction.h).
 *
 * Units: mm, kPa, s (forces kPa mm^2; the common factor 2 pi of the axisymmetric
 * integrals is left out of both sides). Nodes (i, j), i = 0..nr radially, j = 0..nz in
 * depth; element (i, j) spans [r_i, r_i+1] x [z_j, z_j+1] and belongs to one layer.
 */
#include "derm/mech/suction.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <suitesparse/cholmod.h>

#define PI 3.14159265358979323846

#define NGP 4  /* 2 x 2 Gauss points per element */
#define RIM 12 /* smallest element at the rim: the largest in the aperture / RIM */

static const double GP = 0.57735026918962576451; /* 1 / sqrt(3) */

double derm_suction_halfspace_mm(double probe_mm, double pressure_mbar, double young_kpa, double poisson)
{
    const double a = 0.5 * probe_mm, dp = 0.1 * pressure_mbar;
    return 4.0 * (1.0 - poisson * poisson) * dp * a / (PI * young_kpa);
}

double derm_suction_burgers_compliance(const struct derm_mech_layer *l, double t)
{
    double j = 1.0 / l->g0;
    if (l->g1 > 0) j += (l->tau1 > 0 ? -expm1(-t / l->tau1) : 1.0) / l->g1;
    if (l->eta_f > 0) j += t / l->eta_f;
    return j;
}

static double safe_ratio(double a, double b) { return b > 0 && isfinite(a) && isfinite(b) ? a / b : 0.0; }

void derm_suction_readouts(const struct derm_suction_protocol *p, const double *h, int n, double dt,
                           struct derm_cutometer *o)
{
    int non = (int)lround(p->on_s / dt), noff = (int)lround(p->off_s / dt), nim = (int)lround(p->immediate_s / dt);
    memset(o, 0, sizeof *o);
    if (non + noff >= n || nim > non || nim > noff) return;
    o->ue = h[nim];
    o->uf = h[non];
    o->uv = o->uf - o->ue;
    o->ur = o->uf - h[non + nim];
    o->ua = o->uf - h[non + noff];
    o->r0 = o->uf;
    o->r1 = o->uf - o->ua;
    o->r2 = safe_ratio(o->ua, o->uf);
    o->r5 = safe_ratio(o->ur, o->ue);
    o->r6 = safe_ratio(o->uv, o->ue);
    o->r7 = safe_ratio(o->ur, o->uf);
    o->r8 = o->ua;
}

void derm_suction_curve_free(struct derm_suction_curve *c)
{
    if (!c) return;
    free(c->t);
    free(c->h);
    c->t = c->h = NULL;
    c->n = 0;
}

/* ---- mesh ------------------------------------------------------------------------ */

/* Nodes along [x0, x1] (x0 already in v[at]) for element sizes h(d) = min(h0 + g d, hmax)
 * at distance d from x0, at least `min` elements; the sizes are scaled so the last node
 * is x1. Returns the index of the last node, or -1 past cap. */
static int grade(double *v, int at, double x0, double x1, double h0, double g, double hmax, int min, int cap)
{
    const double len = x1 - x0;
    int n = 0;
    for (double d = 0; d < len - 1e-12 * len; n++) {
        double h = h0 + g * d;
        d += h < hmax ? h : hmax;
        if (at + n + 1 >= cap) return -1;
        v[at + n + 1] = d;
    }
    if (n < min) {
        for (int k = 1; k <= min; k++) v[at + k] = len * k / min;
        n = min;
    }
    const double scale = len / v[at + n];
    for (int k = 1; k <= n; k++) v[at + k] = k == n ? x1 : x0 + v[at + k] * scale;
    return at + n;
}

struct mesh {
    int nr, nz, na; /* elements radially, in depth, across the aperture */
    double *r, *z;  /* nr + 1, nz + 1 node coordinates */
    int *layer;     /* nz: layer of each element row */
    int *eq;        /* 2 (nr + 1) (nz + 1): equation of each dof, -1 if fixed */
    int neq;
};

static void mesh_free(struct mesh *m)
{
    free(m->r);
    free(m->z);
    free(m->layer);
    free(m->eq);
}

static derm_status mesh_build(struct mesh *m, const struct derm_mech_layer *L, int nl, double a,
                              const struct derm_suction_mesh *sm, struct derm_err *err)
{
    const int refine = sm->refine > 0 ? sm->refine : 1;
    const int na = sm->n_aperture * refine;
    const double g = (sm->growth - 1.0) / refine, R = sm->extent * a;
    const int cap = 100000;
    memset(m, 0, sizeof *m);
    m->r = malloc(sizeof(double) * cap);
    m->z = malloc(sizeof(double) * cap);
    m->layer = malloc(sizeof(int) * cap);
    if (!m->r || !m->z || !m->layer) return derm_err_set(err, DERM_ENOMEM, "out of memory (suction mesh)");
    /* sizes grow geometrically away from the aperture rim (the stress singularity at
     * r = a, z = 0) from a / (n_aperture RIM) to at most a / n_aperture inside the aperture */
    const double hmin = a / (na * RIM), hin = a / na;
    double *tmp = malloc(sizeof(double) * cap);
    if (!tmp) return derm_err_set(err, DERM_ENOMEM, "out of memory (suction mesh)");
    tmp[0] = 0.0;
    int nin = grade(tmp, 0, 0.0, a, hmin, g, hin, 2, cap); /* distance inwards from the rim */
    for (int k = 0; k <= nin; k++) m->r[k] = a - tmp[nin - k];
    m->r[0] = 0.0;
    free(tmp);
    int nr = grade(m->r, nin, a, R, hmin, g, 1e300, 4, cap);
    /* in depth: sizes grow from the surface; every layer at least `refine` rows */
    int nz = 0;
    m->z[0] = 0.0;
    for (int l = 0; l < nl && nr >= 0 && nin >= 0; l++) {
        double z0 = m->z[nz];
        int nz1 = grade(m->z, nz, z0, z0 + L[l].thick_mm, hmin + g * z0, g, 1e300, refine, cap);
        if (nz1 < 0) return derm_err_set(err, DERM_ECONFIG, "suction mesh: more than %d elements", cap);
        for (int j = nz; j < nz1; j++) m->layer[j] = l;
        nz = nz1;
    }
    if (nr < 0 || nin < 0) return derm_err_set(err, DERM_ECONFIG, "suction mesh: more than %d elements", cap);
    const int na_ = nin;
    m->nr = nr;
    m->nz = nz;
    m->na = na_;
    const int nn = (nr + 1) * (nz + 1);
    m->eq = malloc(sizeof(int) * 2 * nn);
    if (!m->eq) return derm_err_set(err, DERM_ENOMEM, "out of memory (suction mesh)");
    int neq = 0;
    for (int j = 0; j <= nz; j++)
        for (int i = 0; i <= nr; i++) {
            int node = j * (nr + 1) + i;
            int fix_r = i == 0 || i == nr || j == nz;               /* axis, side wall, base */
            int fix_z = i == nr || j == nz || (j == 0 && i >= na_); /* probe face */
            m->eq[2 * node] = fix_r ? -1 : neq++;
            m->eq[2 * node + 1] = fix_z ? -1 : neq++;
        }
    m->neq = neq;
    return DERM_OK;
}

/* ---- element kinematics --------------------------------------------------------- */

/* B (4 x 8: err, ezz, ethth, grz by dofs ur1 uz1 .. ur4 uz4), radius and weight
 * (r |J| w) at (xi, eta) of the rectangle [r0, r1] x [z0, z1]; nodes counter-clockwise
 * from (r0, z0). */
static void bmat(double r0, double r1, double z0, double z1, double xi, double eta, double B[4][8], double *rw)
{
    static const double sx[4] = {-1, 1, 1, -1}, sy[4] = {-1, -1, 1, 1};
    const double dr = r1 - r0, dz = z1 - z0;
    const double r = r0 + 0.5 * (xi + 1) * dr;
    for (int k = 0; k < 4; k++) {
        double N = 0.25 * (1 + sx[k] * xi) * (1 + sy[k] * eta);
        double dNr = 0.25 * sx[k] * (1 + sy[k] * eta) * 2.0 / dr;
        double dNz = 0.25 * sy[k] * (1 + sx[k] * xi) * 2.0 / dz;
        B[0][2 * k] = dNr, B[0][2 * k + 1] = 0;
        B[1][2 * k] = 0, B[1][2 * k + 1] = dNz;
        B[2][2 * k] = N / r, B[2][2 * k + 1] = 0;
        B[3][2 * k] = dNz, B[3][2 * k + 1] = dNr;
    }
    *rw = r * 0.25 * dr * dz;
}

static void elem_dofs(const struct mesh *m, int i, int j, int dof[8])
{
    const int w = m->nr + 1;
    const int nodes[4] = {j * w + i, j * w + i + 1, (j + 1) * w + i + 1, (j + 1) * w + i};
    for (int k = 0; k < 4; k++) {
        dof[2 * k] = m->eq[2 * nodes[k]];
        dof[2 * k + 1] = m->eq[2 * nodes[k] + 1];
    }
}

/* Element stiffness for shear modulus G (deviatoric, 2 x 2 points) and bulk K (volumetric,
 * mean dilatation). */
static void elem_k(double r0, double r1, double z0, double z1, double G, double K, double Ke[8][8])
{
    double B[4][8], rw;
    memset(Ke, 0, sizeof(double) * 64);
    for (int q = 0; q < NGP; q++) {
        bmat(r0, r1, z0, z1, (q & 1) ? GP : -GP, (q & 2) ? GP : -GP, B, &rw);
        /* D_dev B: 2G (e - tr/3) on the normal rows, G on the shear row */
        double DB[4][8];
        for (int c = 0; c < 8; c++) {
            double tr = (B[0][c] + B[1][c] + B[2][c]) / 3.0;
            for (int a = 0; a < 3; a++) DB[a][c] = 2 * G * (B[a][c] - tr);
            DB[3][c] = G * B[3][c];
        }
        for (int a = 0; a < 8; a++)
            for (int c = 0; c < 8; c++) {
                double s = 0;
                for (int k = 0; k < 4; k++) s += B[k][a] * DB[k][c];
                Ke[a][c] += s * rw;
            }
    }
    /* volumetric: the element's mean dilatation (B-bar; a one-point rule at the centre is
     * not consistent for the hoop strain u_r / r and converges only as O(h)) */
    double bv[8] = {0}, vol = 0;
    for (int q = 0; q < NGP; q++) {
        bmat(r0, r1, z0, z1, (q & 1) ? GP : -GP, (q & 2) ? GP : -GP, B, &rw);
        for (int c = 0; c < 8; c++) bv[c] += (B[0][c] + B[1][c] + B[2][c]) * rw;
        vol += rw;
    }
    for (int a = 0; a < 8; a++)
        for (int c = 0; c < 8; c++) Ke[a][c] += K * bv[a] * bv[c] / vol;
}

/* ---- solve ----------------------------------------------------------------------- */

static derm_status check_inputs(const struct derm_mech_layer *L, int nl, const struct derm_suction_protocol *p,
                                const struct derm_suction_mesh *m, struct derm_err *err)
{
    if (nl < 1) return derm_err_set(err, DERM_ECONFIG, "suction: no layers");
    for (int l = 0; l < nl; l++) {
        const struct derm_mech_layer *x = &L[l];
        if (!(x->thick_mm > 0 && isfinite(x->thick_mm)) || !(x->g0 > 0 && isfinite(x->g0)) ||
            !(x->bulk > 0 && isfinite(x->bulk)) || !isfinite(x->g1) || !isfinite(x->eta_f) ||
            (x->g1 > 0 && !(x->tau1 > 0 && isfinite(x->tau1))))
            return derm_err_set(err, DERM_ECONFIG,
                                "suction: layer %d has thickness %g mm, G0 %g, G1 %g, tau1 %g, eta_f %g, K %g: "
                                "expected finite positive thickness, G0 and K (and tau1 > 0 when G1 > 0)",
                                l, x->thick_mm, x->g0, x->g1, x->tau1, x->eta_f, x->bulk);
    }
    if (!(p->probe_mm > 0 && isfinite(p->probe_mm)) || !(p->pressure_mbar > 0 && isfinite(p->pressure_mbar)) ||
        !(p->on_s > 0 && isfinite(p->on_s)) || !(p->off_s > 0 && isfinite(p->off_s)) || p->cycles < 1 ||
        !(p->dt_s > 0 && isfinite(p->dt_s)) || !(p->immediate_s > 0 && isfinite(p->immediate_s)))
        return derm_err_set(err, DERM_ECONFIG,
                            "suction: bad protocol (probe %g mm, pressure %g mbar, on %g s, off %g s, "
                            "%d cycles, dt %g s, immediate %g s)",
                            p->probe_mm, p->pressure_mbar, p->on_s, p->off_s, p->cycles, p->dt_s, p->immediate_s);
    const double times[3] = {p->on_s, p->off_s, p->immediate_s};
    for (int k = 0; k < 3; k++) {
        double n = times[k] / p->dt_s;
        if (fabs(n - round(n)) > 1e-6 * n || round(n) < 1)
            return derm_err_set(err, DERM_ECONFIG,
                                "suction: %g s is not a whole number of time steps of %g s (on, off and immediate "
                                "times must be multiples of the step)",
                                times[k], p->dt_s);
    }
    if (p->immediate_s > p->on_s || p->immediate_s > p->off_s)
        return derm_err_set(err, DERM_ECONFIG, "suction: immediate time %g s exceeds the on or off time",
                            p->immediate_s);
    if (m->n_aperture < 2 || !(m->growth >= 1.0 && m->growth < 3.0) || !(m->extent > 2.0))
        return derm_err_set(err, DERM_ECONFIG, "suction: bad mesh (aperture elements %d, growth %g, extent %g)",
                            m->n_aperture, m->growth, m->extent);
    return DERM_OK;
}

struct layer_step {
    double galg, a1, c1, cf, bulk; /* algorithmic shear modulus, exp(-dt/tau1), 1/G1, 1/eta_f, K */
};

/* The stiffness matrix (upper triangle) assembled with each layer's algorithmic shear
 * modulus, and its factorisation. */
static derm_status assemble_factor(const struct mesh *m, const struct layer_step *ls, cholmod_common *cc,
                                   cholmod_sparse **A, cholmod_factor **F, struct derm_err *err)
{
    const size_t nzmax = (size_t)m->nr * m->nz * 36;
    cholmod_triplet *T = cholmod_allocate_triplet((size_t)m->neq, (size_t)m->neq, nzmax, 1, CHOLMOD_REAL, cc);
    if (!T) return derm_err_set(err, DERM_ENOMEM, "out of memory (suction stiffness)");
    int *Ti = T->i, *Tj = T->j;
    double *Tx = T->x;
    size_t nt = 0;
    for (int j = 0; j < m->nz; j++)
        for (int i = 0; i < m->nr; i++) {
            double Ke[8][8];
            int dof[8];
            const struct layer_step *x = &ls[m->layer[j]];
            elem_k(m->r[i], m->r[i + 1], m->z[j], m->z[j + 1], x->galg, x->bulk, Ke);
            elem_dofs(m, i, j, dof);
            for (int u = 0; u < 8; u++)
                for (int v = 0; v < 8; v++)
                    if (dof[u] >= 0 && dof[v] >= 0 && dof[u] <= dof[v]) {
                        Ti[nt] = dof[u], Tj[nt] = dof[v], Tx[nt] = Ke[u][v];
                        nt++;
                    }
        }
    T->nnz = nt;
    *A = cholmod_triplet_to_sparse(T, nt, cc);
    cholmod_free_triplet(&T, cc);
    if (*A) *F = cholmod_analyze(*A, cc);
    if (*F) cholmod_factorize(*A, *F, cc);
    if (!*A || !*F || cc->status != CHOLMOD_OK || (*F)->minor < (*F)->n)
        return derm_err_set(err, DERM_ENUMERIC,
                            "suction: the stiffness matrix could not be factorised (CHOLMOD status %d)", cc->status);
    return DERM_OK;
}

/* The suction as nodal forces on the aperture (upwards: -z), 2-point rule per edge. */
static void suction_load(const struct mesh *m, double dp, double *f)
{
    for (int i = 0; i < m->na; i++) {
        int dof[8];
        elem_dofs(m, i, 0, dof);
        const double r0 = m->r[i], dr = m->r[i + 1] - m->r[i];
        for (int q = 0; q < 2; q++) {
            double xi = q ? GP : -GP, r = r0 + 0.5 * (xi + 1) * dr, w = 0.5 * dr * r * (-dp);
            if (dof[1] >= 0) f[dof[1]] += 0.5 * (1 - xi) * w;
            if (dof[3] >= 0) f[dof[3]] += 0.5 * (1 + xi) * w;
        }
    }
}

/* B and r |J| w of every element's points, computed once. */
struct kin {
    double B[4][8], rw;
};

static struct kin *kinematics(const struct mesh *m)
{
    struct kin *K = malloc(sizeof *K * (size_t)m->nr * m->nz * NGP);
    if (!K) return NULL;
    for (int j = 0; j < m->nz; j++)
        for (int i = 0; i < m->nr; i++)
            for (int q = 0; q < NGP; q++) {
                struct kin *k = &K[((size_t)j * m->nr + i) * NGP + q];
                bmat(m->r[i], m->r[i + 1], m->z[j], m->z[j + 1], (q & 1) ? GP : -GP, (q & 2) ? GP : -GP, k->B, &k->rw);
            }
    return K;
}

/* After a solve, at every point of a viscoelastic layer: the stress from the new
 * displacements u, the internal strains advanced (Kelvin e1 <- a1 e1 + (1 - a1) s / G1,
 * flow ef <- ef + dt s / eta_f; s is half the normal deviatoric stress, or the shear stress
 * against engineering shear strain), and the history load of the next step,
 * int B^T D_dev h with h = a1 e1 + ef, added to hb. Elastic layers carry no history. */
static void advance(const struct mesh *m, const struct layer_step *ls, const struct kin *K, const double *u, double dt,
                    double *hist, double *hb)
{
    for (int j = 0; j < m->nz; j++) {
        const struct layer_step *x = &ls[m->layer[j]];
        if (x->c1 == 0 && x->cf == 0) continue;
        for (int i = 0; i < m->nr; i++) {
            const size_t e = (size_t)j * m->nr + i;
            double *H = hist + e * NGP * 8;
            int dof[8];
            elem_dofs(m, i, j, dof);
            double ue[8], fe[8] = {0};
            for (int c = 0; c < 8; c++) ue[c] = dof[c] >= 0 ? u[dof[c]] : 0.0;
            for (int q = 0; q < NGP; q++) {
                const struct kin *k = &K[e * NGP + q];
                double *e1 = H + 8 * q, *ef = e1 + 4, eps[4] = {0};
                for (int r = 0; r < 4; r++)
                    for (int c = 0; c < 8; c++) eps[r] += k->B[r][c] * ue[c];
                const double tr = (eps[0] + eps[1] + eps[2]) / 3.0;
                double sv[4];
                for (int r = 0; r < 4; r++) {
                    double s = x->galg * (eps[r] - (r < 3 ? tr : 0.0) - (x->a1 * e1[r] + ef[r]));
                    e1[r] = x->a1 * e1[r] + (1.0 - x->a1) * s * x->c1;
                    ef[r] += dt * s * x->cf;
                    double h = x->a1 * e1[r] + ef[r];
                    sv[r] = (r < 3 ? 2.0 : 1.0) * x->galg * h * k->rw;
                }
                for (int c = 0; c < 8; c++)
                    fe[c] += k->B[0][c] * sv[0] + k->B[1][c] * sv[1] + k->B[2][c] * sv[2] + k->B[3][c] * sv[3];
            }
            for (int c = 0; c < 8; c++)
                if (dof[c] >= 0) hb[dof[c]] += fe[c];
        }
    }
}

/* Each layer's constants for a step dt: the algorithmic shear modulus 1 / (1/G0 +
 * (1 - a1)/G1 + dt/eta_f), a1 = exp(-dt/tau1), the compliances 1/G1 and 1/eta_f. */
static void layer_steps(const struct derm_mech_layer *L, int nl, double dt, struct layer_step *ls)
{
    for (int l = 0; l < nl; l++) {
        const struct derm_mech_layer *x = &L[l];
        ls[l].a1 = x->g1 > 0 ? exp(-dt / x->tau1) : 0.0;
        ls[l].c1 = x->g1 > 0 ? 1.0 / x->g1 : 0.0;
        ls[l].cf = x->eta_f > 0 ? 1.0 / x->eta_f : 0.0;
        ls[l].galg = 1.0 / (1.0 / x->g0 + (1.0 - ls[l].a1) * ls[l].c1 + dt * ls[l].cf);
        ls[l].bulk = x->bulk;
    }
}

derm_status derm_suction_solve(const struct derm_mech_layer *L, int nl, const struct derm_suction_protocol *p,
                               const struct derm_suction_mesh *sm, struct derm_cutometer *out,
                               struct derm_suction_curve *curve, struct derm_err *err)
{
    DERM_TRY(check_inputs(L, nl, p, sm, err));
    const double dt = p->dt_s;
    const int non = (int)lround(p->on_s / dt), noff = (int)lround(p->off_s / dt);
    const int nsteps = p->cycles * (non + noff);
    struct mesh m;
    derm_status st = mesh_build(&m, L, nl, 0.5 * p->probe_mm, sm, err);
    struct layer_step *ls = calloc((size_t)nl, sizeof *ls);
    double *hist = NULL, *fext = NULL, *h = NULL, *hb = NULL;
    struct kin *K = NULL;
    cholmod_common cc;
    cholmod_start(&cc);
    cc.supernodal = CHOLMOD_SIMPLICIAL;
    cc.print = 0;
    cholmod_factor *F = NULL;
    cholmod_sparse *A = NULL;
    cholmod_dense *b = NULL, *xs = NULL, *ws_y = NULL, *ws_e = NULL; /* right side, solution, workspace */
    if (st != DERM_OK) goto done;
    hist = calloc((size_t)m.nr * m.nz * NGP * 8, sizeof(double)); /* per point: Kelvin [4], flow [4] */
    fext = calloc((size_t)m.neq, sizeof(double));
    hb = calloc((size_t)m.neq, sizeof(double)); /* history load of the next step */
    K = kinematics(&m);
    h = calloc((size_t)nsteps + 1, sizeof(double));
    b = cholmod_zeros((size_t)m.neq, 1, CHOLMOD_REAL, &cc);
    if (!ls || !hist || !fext || !h || !b || !hb || !K) {
        st = derm_err_set(err, DERM_ENOMEM, "out of memory (suction solve)");
        goto done;
    }
    layer_steps(L, nl, dt, ls);
    if ((st = assemble_factor(&m, ls, &cc, &A, &F, err)) != DERM_OK) goto done;
    suction_load(&m, 0.1 * p->pressure_mbar, fext);
    double *bx = b->x;
    const int apex = m.eq[1]; /* u_z of the node on the axis at the surface */
    for (int n = 1; n <= nsteps; n++) {
        const double load = (n - 1) % (non + noff) < non ? 1.0 : 0.0;
        for (int e = 0; e < m.neq; e++) bx[e] = load * fext[e] + hb[e];
        if (!cholmod_solve2(CHOLMOD_A, F, b, NULL, &xs, NULL, &ws_y, &ws_e, &cc)) {
            st = derm_err_set(err, DERM_ENUMERIC, "suction: solve failed (CHOLMOD status %d)", cc.status);
            goto done;
        }
        memset(hb, 0, sizeof(double) * (size_t)m.neq);
        advance(&m, ls, K, xs->x, dt, hist, hb);
        h[n] = apex >= 0 ? -((const double *)xs->x)[apex] : 0.0;
        if (!isfinite(h[n])) {
            st = derm_err_set(err, DERM_ENUMERIC, "suction: non-finite deformation at t = %g s", n * dt);
            goto done;
        }
    }
    derm_suction_readouts(p, h, nsteps + 1, dt, out);
    if (curve) {
        curve->n = nsteps + 1;
        curve->h = h;
        h = NULL;
        if (!(curve->t = malloc(sizeof(double) * (size_t)(nsteps + 1)))) {
            derm_suction_curve_free(curve);
            st = derm_err_set(err, DERM_ENOMEM, "out of memory (suction curve)");
            goto done;
        }
        for (int n = 0; n <= nsteps; n++) curve->t[n] = n * dt;
    }
done:
    cholmod_free_dense(&b, &cc);
    cholmod_free_dense(&xs, &cc);
    cholmod_free_dense(&ws_y, &cc);
    cholmod_free_dense(&ws_e, &cc);
    cholmod_free_factor(&F, &cc);
    cholmod_free_sparse(&A, &cc);
    cholmod_finish(&cc);
    free(hist);
    free(hb);
    free(K);
    free(fext);
    free(h);
    free(ls);
    mesh_free(&m);
    return st;
}
