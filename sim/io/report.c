/* report.c - report.md: what happened to the matrix and the cells, in numbers and words.
 *
 * Every sentence is computed from the run: trend words from the relative change, causes
 * only as the measured co-changes of the quantities the model uses (attachment, senescent
 * share, estrogen, TGF-beta responsiveness, AP-1 for synthesis; ROS, AGE cross-links and
 * the exosome effect for the inputs), and only for the inputs the schedule has. Firmness is
 * the simulated Cutometer's readouts and the dermal water content, first and last row, when
 * the file has them (a run file written before the tissue mechanics has not). */
#include "derm/io/report.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derm/inputs/schedule.h"
#include "derm/inputs/schedule_data.h"
#include "derm/io/output.h"

struct series {
    const char *name;
    double *v;
    int64_t n;
};

/* Value of series y at the row whose age is closest to `age`. */
static double at_age(const double *age, const double *y, int64_t n, double a)
{
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
        if (fabs(age[i] - a) < fabs(age[best] - a)) best = i;
    return y[best];
}

static const char *trend(double rel)
{
    if (rel < -0.30) return "fell sharply";
    if (rel < -0.10) return "fell";
    if (rel < -0.02) return "fell slightly";
    if (rel <= 0.02) return "stayed about the same";
    if (rel <= 0.10) return "rose slightly";
    if (rel <= 0.30) return "rose";
    return "rose sharply";
}

/* The series the report reads, in the order of the enum below. */
static const char *const series_names[] = {
    "age_years",
    "collagen_total",
    "collagen_fragmented_fraction",
    "collagen_synthesis_per_cell",
    "elastin_functional_total",
    "elastin_elastotic_total",
    "ha_hmw_total",
    "ha_lmw_total",
    "fibroblast_density",
    "senescent_fraction",
    "stem_cell_count",
    "dermal_thickness",
    "mmp1_mean",
    "age_crosslinks_mean",
    "uv_dose_cumulative",
    "uv_dose_unprotected_cumulative",
    "smoking_pack_years",
    "pollution_index_years",
    "exosome_dose_cumulative",
    "conditioned_medium_dose_cumulative",
    "growth_factor_dose_cumulative",
    "microneedling_cumulative",
    "glucose_mM",
    "ros_mean",
    "attachment_mean",
    "estrogen",
    "tgfb_response_mean",
    "ap1_mean",
    "exosome_effect_mean",
    "uv_dose_dermal_cumulative",
    /* optional (from R0 on): the simulated Cutometer and the water behind it; a run file
       written before the tissue mechanics has none, and its report leaves firmness out */
    "cutometer_R0",
    "cutometer_R2",
    "cutometer_R5",
    "cutometer_R6",
    "cutometer_R7",
    "dermal_water_content",
    /* optional: what reached the dermis (files before these series have applied doses only) */
    "exosome_dose_delivered_cumulative",
    "conditioned_medium_dose_delivered_cumulative",
    "growth_factor_dose_delivered_cumulative",
};
enum {
    AGE,
    COL,
    FRAG,
    SYN,
    ELF,
    ELZ,
    HAH,
    HAL,
    FIB,
    SEN,
    STEM,
    THICK,
    MMP1,
    AGEX,
    UV,
    UVU,
    PACK,
    POLL,
    EXO,
    CM,
    GFD,
    MN,
    GLU,
    ROS,
    ATT,
    ESTR,
    TGFR,
    AP1,
    EXOE,
    UVD,
    R0,
    R2,
    R5,
    R6,
    R7,
    WATER,
    EXOD,
    CMD,
    GFDD,
    NS
};

/* Read one series; an optional one the file does not have is left empty (v NULL), not an error. */
static derm_status read_one(const char *h5_path, struct series *si, int optional, struct derm_err *err)
{
    struct derm_err e = {DERM_OK, ""};
    derm_status st = derm_output_read_series(h5_path, si->name, &si->v, &si->n, &e);
    if (st == DERM_EIO && optional && strstr(e.msg, "no series named")) return DERM_OK;
    return st == DERM_OK ? DERM_OK : derm_err_set(err, st, "%s", e.msg);
}

/* Read every series (those from R0 on only if present); *n is the shortest length (rows all
 * of the present ones have). */
static derm_status read_all(const char *h5_path, struct series *s, int64_t *n, struct derm_err *err)
{
    for (int i = 0; i < NS; i++) DERM_TRY(read_one(h5_path, &s[i], i >= R0, err));
    *n = s[AGE].n;
    for (int i = 0; i < NS; i++)
        if (s[i].v && s[i].n < *n) *n = s[i].n;
    if (*n < 1) return derm_err_set(err, DERM_EIO, "%s: no time series rows to report on", h5_path);
    return DERM_OK;
}

/* First and last row of series i, and its relative change (needs s and n in scope). */
#define FIRST(i) (s[i].v[0])
#define LAST(i) (s[i].v[n - 1])
#define REL(i) (FIRST(i) != 0 ? LAST(i) / FIRST(i) - 1.0 : 0.0)

/* Inputs present in the schedule (one flag per enum derm_schedule_input). */
static void inputs_present(const struct derm_schedule *sched, int present[DERM_IN_COUNT])
{
    for (int i = 0; i < DERM_IN_COUNT; i++) present[i] = 0;
    for (int i = 0; i < sched->n; i++)
        if (sched->e[i].input >= 0 && sched->e[i].input < DERM_IN_COUNT) present[sched->e[i].input]++;
}

static void write_intro(FILE *fp, const struct series *s, int64_t n, const struct derm_params *p,
                        const struct derm_schedule *sched, const struct derm_report_info *info)
{
    double a0 = FIRST(AGE), a1 = LAST(AGE);
    fprintf(fp, "# dermsim run report\n\n");
    if (!info->completed)
        fprintf(fp,
                "> **INCOMPLETE RUN**: the simulation stopped early (interrupted or failed); the "
                "numbers below cover ages %.1f to %.1f only.\n\n",
                a0, a1);
    fprintf(fp, "Subject: %s, skin type %lld, simulated from age %.1f to %.1f years (",
            p->subject_sex == DERM_SEX_MALE ? "male" : "female", (long long)p->subject_skin_type, a0, a1);
    /* what the configuration changes besides the schedule: hormone therapy inside the run, and
     * ageing processes switched off (ageing.*) */
    char extra[600] = "";
    const double h0 = p->subject_hrt_start_years, h1 = p->subject_hrt_end_years;
    if (h1 > h0 && h1 > a0 && h0 < a1 && p->subject_sex != DERM_SEX_MALE)
        snprintf(extra, sizeof extra, "; hormone therapy from age %.1f to %.1f at %.2g of the premenopausal estrogen",
                 h0, h1, p->subject_hrt_level);
    const struct {
        int on;
        const char *name;
    } sw[] = {{p->ageing_systemic, "systemic"},           {p->ageing_menopause, "menopause"},
              {p->ageing_glycation, "glycation"},         {p->ageing_senescence, "senescence"},
              {p->ageing_fragmentation, "fragmentation"}, {p->ageing_oxidative, "oxidative"}};
    int off = 0;
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++)
        if (!sw[i].on)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra), "%s%s",
                     off++ ? ", " : "; switched off: ", sw[i].name);
    if (off) snprintf(extra + strlen(extra), sizeof extra - strlen(extra), " (ageing.*)");
    if (!sched->n) {
        fprintf(fp, "intrinsic ageing: nothing scheduled, so no sun, smoking, pollution or treatments; glucose ");
        if (FIRST(GLU) == LAST(GLU))
            fprintf(fp, "%.3g mM throughout%s).\n\n", FIRST(GLU), extra);
        else
            fprintf(fp, "%.3g -> %.3g mM%s).\n\n", FIRST(GLU), LAST(GLU), extra);
        return;
    }
    int present[DERM_IN_COUNT], first = 1;
    inputs_present(sched, present);
    fprintf(fp, "intrinsic ageing plus ");
    for (int i = 0; i < DERM_IN_COUNT; i++)
        if (present[i]) {
            fprintf(fp, "%s%s", first ? "" : ", ", derm_schedule_input_name(i));
            first = 0;
        }
    fprintf(fp, ", as scheduled below%s).\n\n", extra);
}

static void write_entries(FILE *fp, const struct derm_params *p, const struct derm_schedule *sched)
{
    fprintf(fp, "## Exposures and treatments\n\n");
    for (int i = 0; i < sched->n; i++) {
        const struct derm_schedule_entry *e = &sched->e[i];
        fprintf(fp, "- `%s`: %s, dose %g %s", e->name, derm_schedule_input_name(e->input), e->dose,
                derm_schedule_dose_units(e->input, e->dose_unit));
        if (e->at_age >= 0 && e->count > 1)
            fprintf(fp, ", from age %g, %lld times every %g d", e->at_age, (long long)e->count, e->every_days);
        else if (e->at_age >= 0)
            fprintf(fp, ", once at age %g", e->at_age);
        if (e->at_age >= 0 && e->duration_days > 0)
            fprintf(fp, ", each lasting %g d", e->duration_days);
        else if (e->at_age < 0)
            fprintf(fp, ", from age %g to %g", e->from_age >= 0 ? e->from_age : p->run_age_start_years,
                    e->to_age >= 0 ? e->to_age : p->run_age_end_years);
        fprintf(fp, ".\n");
    }
}

/* Age at which series i is largest (first such row). */
static double age_of_max(const struct series *s, int64_t n, int i)
{
    int64_t best = 0;
    for (int64_t r = 1; r < n; r++)
        if (s[i].v[r] > s[i].v[best]) best = r;
    return s[AGE].v[best];
}

static double max_of(const struct series *s, int64_t n, int i)
{
    double m = s[i].v[0];
    for (int64_t r = 1; r < n; r++)
        if (s[i].v[r] > m) m = s[i].v[r];
    return m;
}

/* What was delivered, and the model quantity each present input acts through, as measured. */
static void write_exposures(FILE *fp, const struct series *s, int64_t n, const struct derm_params *p,
                            const struct derm_schedule *sched)
{
    if (!sched->n) return;
    int in[DERM_IN_COUNT];
    inputs_present(sched, in);
    write_entries(fp, p, sched);
    fprintf(fp, "\nApplied over the run, and what it acted through in the model (a treatment's route sets how "
                "much of it reaches the dermis):\n\n");
    if (in[DERM_IN_UV])
        fprintf(fp, "- UV: %.4g SED at the skin surface (%.4g SED before sunscreen), %.4g SED reaching the dermis.\n",
                LAST(UV), LAST(UVU), LAST(UVD));
    if (in[DERM_IN_SMOKING]) fprintf(fp, "- Smoking: %.3g pack-years.\n", LAST(PACK));
    if (in[DERM_IN_POLLUTION]) fprintf(fp, "- Pollution: %.3g index-years.\n", LAST(POLL));
    const int oxid = !!in[DERM_IN_UV] + !!in[DERM_IN_SMOKING] + !!in[DERM_IN_POLLUTION];
    if (oxid)
        fprintf(fp,
                "- %s through ROS: mean ROS %.2f at the start, %.2f at the end, highest %.2f (age %.1f); AP-1 "
                "%.2f -> %.2f.\n",
                oxid > 1              ? "These act"
                : in[DERM_IN_UV]      ? "UV acts"
                : in[DERM_IN_SMOKING] ? "Smoking acts"
                                      : "Pollution acts",
                FIRST(ROS), LAST(ROS), max_of(s, n, ROS), age_of_max(s, n, ROS), FIRST(AP1), LAST(AP1));
    if (in[DERM_IN_GLUCOSE])
        fprintf(fp,
                "- Glucose: %.3g mM at the start, %.3g mM at the end (highest %.3g mM); it acts through AGE "
                "cross-links: %.1f -> %.1f pmol/mg collagen.\n",
                FIRST(GLU), LAST(GLU), max_of(s, n, GLU), FIRST(AGEX), LAST(AGEX));
    const struct {
        int input, series, reached;
        const char *what;
    } treat[] = {{DERM_IN_EXOSOME, EXO, EXOD, "Exosomes"},
                 {DERM_IN_CONDITIONED_MEDIUM, CM, CMD, "Conditioned medium"},
                 {DERM_IN_GROWTH_FACTOR, GFD, GFDD, "Growth factors"}};
    for (size_t k = 0; k < sizeof treat / sizeof treat[0]; k++) {
        if (!in[treat[k].input]) continue;
        fprintf(fp, "- %s: %.3g au applied", treat[k].what, LAST(treat[k].series));
        if (s[treat[k].reached].v) /* run files before this series have the applied dose only */
            fprintf(fp, ", %.3g au of it reached the simulated dermis (%.3g %%)", LAST(treat[k].reached),
                    LAST(treat[k].series) > 0.0 ? 100.0 * LAST(treat[k].reached) / LAST(treat[k].series) : 0.0);
        fprintf(fp, ".\n");
    }
    if (in[DERM_IN_MICRONEEDLING])
        fprintf(fp, "- Microneedling: %.3g sessions given (each weighted by its dose).\n", LAST(MN));
    /* each treatment by what it acts through: vesicles through the exosome effect, growth
     * factors through the growth-factor signal, needling through its wounds (model/wound.h) */
    if (in[DERM_IN_EXOSOME] || in[DERM_IN_CONDITIONED_MEDIUM])
        fprintf(fp,
                "- Exosomes and conditioned medium act through the exosome effect on fibroblasts: highest mean "
                "%.3g au at age %.1f, %.3g at the end.\n",
                max_of(s, n, EXOE), age_of_max(s, n, EXOE), LAST(EXOE));
    if (in[DERM_IN_GROWTH_FACTOR])
        fprintf(fp, "- Growth factors act through the growth-factor signal (gf_mean) and the cells' response to it.\n");
    if (in[DERM_IN_MICRONEEDLING])
        fprintf(fp, "- Microneedling acts through micro-wounds: the matrix they clear refills with new collagen and "
                    "elastin (wound.*), with the wound's own signals.\n");
    fprintf(fp, "\nTo see what an entry did, run the same config and seed without it and compare the two runs: "
                "`dermsim compare RUN_WITHOUT RUN_WITH`.\n\n");
}

/* Why synthesis per cell changed: the measured co-changes of the inputs that set it. */
static void write_synthesis(FILE *fp, const struct series *s, int64_t n)
{
    fprintf(fp, "- **Collagen synthesis per fibroblast** %s (%.3g -> %.3g pg/h).", trend(REL(SYN)), FIRST(SYN),
            LAST(SYN));
    int k = 0;
    const char *sep[] = {" Over the same years ", "; ", "; "};
    if (REL(ATT) < -0.02)
        fprintf(fp, "%scells lost attachment to intact collagen (mean %.3f -> %.3f)", sep[k++ ? 1 : 0], FIRST(ATT),
                LAST(ATT));
    else if (REL(ATT) > 0.02)
        fprintf(fp, "%scells gained attachment to intact collagen (mean %.3f -> %.3f)", sep[k++ ? 1 : 0], FIRST(ATT),
                LAST(ATT));
    if (fabs(LAST(SEN) - FIRST(SEN)) > 0.01)
        fprintf(fp, "%sthe senescent share %s (%.1f %% -> %.1f %%)", sep[k++ ? 1 : 0],
                LAST(SEN) > FIRST(SEN) ? "rose" : "fell", 100.0 * FIRST(SEN), 100.0 * LAST(SEN));
    /* estrogen by its extremes too: hormone therapy raises it for years inside the run */
    const double e_max = max_of(s, n, ESTR);
    if (e_max > FIRST(ESTR) * 1.02 + 1e-9 && e_max > LAST(ESTR) * 1.02 + 1e-9)
        fprintf(fp, "%sestrogen rose to %.2f of its premenopausal level (age %.1f) and ended at %.2f (from %.2f)",
                sep[k++ ? 1 : 0], e_max, age_of_max(s, n, ESTR), LAST(ESTR), FIRST(ESTR));
    else if (fabs(REL(ESTR)) > 0.02)
        fprintf(fp, "%sestrogen %s (%.2f -> %.2f of its premenopausal level)", sep[k++ ? 1 : 0],
                REL(ESTR) < 0 ? "fell" : "rose", FIRST(ESTR), LAST(ESTR));
    if (fabs(REL(TGFR)) > 0.02)
        fprintf(fp, "%sTGF-beta responsiveness %s (%.2f -> %.2f)", sep[k++ ? 1 : 0], REL(TGFR) < 0 ? "fell" : "rose",
                FIRST(TGFR), LAST(TGFR));
    if (fabs(LAST(AP1) - FIRST(AP1)) >= 0.005 && /* shown to two decimals */
        (LAST(AP1) > FIRST(AP1) * 1.02 || LAST(AP1) < FIRST(AP1) * 0.98))
        fprintf(fp, "%sAP-1 %s (%.2f -> %.2f)", sep[k++ ? 1 : 0], LAST(AP1) > FIRST(AP1) ? "rose" : "fell", FIRST(AP1),
                LAST(AP1));
    if (k)
        fprintf(fp, ".\n");
    else
        fprintf(fp, " Attachment, senescent share, estrogen, TGF-beta responsiveness and AP-1 each changed by "
                    "less than 2 %%.\n");
}

/* A run that starts before the young-adult age and reaches it: its AGE load there against the
 * load a run started at that age begins with (the developing dermis starts from the young
 * load scaled by age and forms AGE at the run's glucose, so the two need not agree). */
static void write_age_at_young(FILE *fp, const struct series *s, int64_t n, const struct derm_params *p)
{
    const double ya = p->subject_young_adult_age_years, ref = p->ecm_age_initial_pmol_per_mg;
    if (!(FIRST(AGE) < ya - 0.5) || LAST(AGE) < ya || !(ref > 0.0)) return;
    const double x = at_age(s[AGE].v, s[AGEX].v, n, ya), r = x / ref;
    fprintf(fp,
            " At the young-adult age (%.0f y) the load is %.1f pmol/mg, %.2fx the %.1f pmol/mg a run started at "
            "that age begins with%s.",
            ya, x, r, ref,
            fabs(r - 1.0) <= 0.10 ? ""
                                  : "; AGE loads and their effects (RAGE, stiffness) compare best between runs from "
                                    "the same start age");
}

static void write_changes(FILE *fp, const struct series *s, int64_t n, const struct derm_params *p)
{
    double a0 = FIRST(AGE), a1 = LAST(AGE);
    fprintf(fp, "## What happened\n\n");
    fprintf(fp,
            "- **Collagen** %s: %.1f %% of its starting amount remains (%.3g -> %.3g mg/cm^2 in the "
            "simulated %.0f µm of dermis), a mean change of %+.2f %% per year. The fragmented share "
            "went from %.1f %% to %.1f %%.\n",
            trend(REL(COL)), 100.0 * (1.0 + REL(COL)), FIRST(COL), LAST(COL), p->domain_nz * p->domain_voxel_um,
            a1 > a0 ? 100.0 * REL(COL) / (a1 - a0) : 0.0, 100.0 * FIRST(FRAG), 100.0 * LAST(FRAG));
    write_synthesis(fp, s, n);
    fprintf(fp,
            "- **Elastin** (functional) %s: %.1f %% remains; elastotic material is %.3g mg/cm^2 "
            "(%.1f %% of functional).\n",
            trend(REL(ELF)), 100.0 * (1.0 + REL(ELF)), LAST(ELZ), LAST(ELF) > 0 ? 100.0 * LAST(ELZ) / LAST(ELF) : 0.0);
    double ha0 = FIRST(HAH) + FIRST(HAL), ha1 = LAST(HAH) + LAST(HAL);
    fprintf(fp,
            "- **Hyaluronan** %s (total %.3g -> %.3g mg/cm^2); its low-molecular-weight share went "
            "from %.1f %% to %.1f %%.\n",
            trend(ha0 > 0 ? ha1 / ha0 - 1.0 : 0.0), ha0, ha1, ha0 > 0 ? 100.0 * FIRST(HAL) / ha0 : 0.0,
            ha1 > 0 ? 100.0 * LAST(HAL) / ha1 : 0.0);
    fprintf(fp,
            "- **Fibroblasts** %s: density %.0f -> %.0f per mm^3 (%.0f %%); senescent cells %.1f %% -> "
            "%.1f %%; progenitors %.0f -> %.0f.\n",
            trend(REL(FIB)), FIRST(FIB), LAST(FIB), 100.0 * (1.0 + REL(FIB)), 100.0 * FIRST(SEN), 100.0 * LAST(SEN),
            FIRST(STEM), LAST(STEM));
    fprintf(fp, "- **MMP-1** (collagenase) mean level %s: %.2f -> %.2f (1 = young adult).\n", trend(REL(MMP1)),
            FIRST(MMP1), LAST(MMP1));
    fprintf(fp, "- **AGE cross-links** %s: %.1f -> %.1f pmol/mg collagen.", trend(REL(AGEX)), FIRST(AGEX), LAST(AGEX));
    write_age_at_young(fp, s, n, p);
    fprintf(fp, "\n");
    fprintf(fp, "- **Dermal thickness** %s: %.0f -> %.0f µm.\n\n", trend(REL(THICK)), FIRST(THICK), LAST(THICK));
}

/* The simulated Cutometer at the first and last row: R0 the extension under suction (higher
 * is softer), the ratios (1 fully elastic; R6 the viscoelastic share), and the dermal water
 * content behind them. Left out when the run file has no Cutometer series. */
static void write_firmness(FILE *fp, const struct series *s, int64_t n, const struct derm_params *p)
{
    for (int i = R0; i <= R7; i++)
        if (!s[i].v) return;
    const double r = REL(R0);
    fprintf(fp, "## Firmness\n\n");
    fprintf(fp,
            "A simulated Cutometer (%g mm probe, %g mbar, %g s on / %g s off) at ages %.1f and %.1f: the skin %s. "
            "R0 (final extension, higher is softer) %s: %.3f -> %.3f mm (%+.0f %%).",
            p->cutometer_probe_mm, p->cutometer_pressure_mbar, p->cutometer_on_s, p->cutometer_off_s, FIRST(AGE),
            LAST(AGE),
            r > 0.02    ? "became less firm"
            : r < -0.02 ? "became firmer"
                        : "kept its firmness",
            trend(r), FIRST(R0), LAST(R0), 100.0 * r);
    const struct {
        int i;
        const char *what;
    } ratio[] = {{R2, "Gross elasticity R2 (Ua/Uf)"},
                 {R5, "net elasticity R5 (Ur/Ue)"},
                 {R6, "viscoelastic share R6 (Uv/Ue)"},
                 {R7, "biological elasticity R7 (Ur/Uf)"}};
    for (size_t k = 0; k < sizeof ratio / sizeof ratio[0]; k++)
        fprintf(fp, "%s%s %s: %.3f -> %.3f (%+.0f %%)", k ? "; " : " ", ratio[k].what, trend(REL(ratio[k].i)),
                FIRST(ratio[k].i), LAST(ratio[k].i), 100.0 * REL(ratio[k].i));
    fprintf(fp, ".");
    if (s[WATER].v)
        fprintf(fp, " Dermal water content %s: %.1f %% -> %.1f %% of the dermal volume.", trend(REL(WATER)),
                100.0 * FIRST(WATER), 100.0 * LAST(WATER));
    fprintf(fp, "\n\n");
}

static void write_decades(FILE *fp, const struct series *s, int64_t n)
{
    const double *age = s[AGE].v;
    double a0 = FIRST(AGE), a1 = LAST(AGE), ha0 = FIRST(HAH) + FIRST(HAL);
    if (ceil(a0 / 10.0) * 10.0 > a1 + 1e-9) return; /* no decade inside the run: no table */
    fprintf(fp, "## By decade\n\n| age (y) | collagen (rel.) | fragmented | fibroblasts /mm^3 | senescent | "
                "elastin (rel.) | HA (rel.) | thickness (µm) |\n|---|---|---|---|---|---|---|---|\n");
    for (double a = ceil(a0 / 10.0) * 10.0; a <= a1 + 1e-9; a += 10.0) {
        double ha = at_age(age, s[HAH].v, n, a) + at_age(age, s[HAL].v, n, a);
        fprintf(fp, "| %.0f | %.3f | %.3f | %.0f | %.3f | %.3f | %.3f | %.0f |\n", a,
                at_age(age, s[COL].v, n, a) / FIRST(COL), at_age(age, s[FRAG].v, n, a), at_age(age, s[FIB].v, n, a),
                at_age(age, s[SEN].v, n, a), FIRST(ELF) > 0 ? at_age(age, s[ELF].v, n, a) / FIRST(ELF) : 0.0,
                ha0 > 0 ? ha / ha0 : 0.0, at_age(age, s[THICK].v, n, a));
    }
}
#undef FIRST
#undef LAST
#undef REL

static void write_reproduce(FILE *fp, const struct derm_params *p, const struct derm_report_info *info)
{
    fprintf(fp, "\n## Reproduce\n\n- dermsim %s (%s), seed %lld", info->version, info->git_describe,
            (long long)p->run_seed);
    if (info->threads > 0 && info->wall_seconds >= 0)
        fprintf(fp, ", %d thread(s), %.1f s wall time.\n", info->threads, info->wall_seconds);
    else
        fprintf(fp, " (report rewritten from the run file by `dermsim report`).\n");
    fprintf(fp,
            "- Config: `%s` (the full resolved parameter set is in `resolved.yaml`).\n"
            "- Command: `%s`\n\nThe same command gives the same numbers at any thread count.\n",
            info->config_path, info->reproduce);
}

/* Write the report to md_path.tmp, then rename it into place. */
static derm_status write_md(const char *md_path, const struct series *s, int64_t n, const struct derm_params *p,
                            const struct derm_schedule *sched, const struct derm_report_info *info,
                            struct derm_err *err)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", md_path);
    remove(tmp);
    FILE *fp = fopen(tmp, "wx"); /* exclusive: never through a symlink planted at the name */
    if (!fp) return derm_err_set(err, DERM_EIO, "cannot write %s: %s", tmp, strerror(errno));
    write_intro(fp, s, n, p, sched, info);
    write_exposures(fp, s, n, p, sched);
    write_changes(fp, s, n, p);
    write_firmness(fp, s, n, p);
    write_decades(fp, s, n);
    write_reproduce(fp, p, info);
    int bad = ferror(fp), e = errno;
    if (fclose(fp) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad) {
        remove(tmp); /* never leave a half-written report behind */
        return derm_err_set(err, DERM_EIO, "cannot write %s: %s", md_path, strerror(e));
    }
    if (rename(tmp, md_path) != 0) {
        e = errno;
        remove(tmp);
        return derm_err_set(err, DERM_EIO, "cannot rename %s to %s: %s", tmp, md_path, strerror(e));
    }
    return DERM_OK;
}

derm_status derm_report_write(const char *md_path, const char *h5_path, const struct derm_params *p,
                              const struct derm_schedule *sched, const struct derm_report_info *info,
                              struct derm_err *err)
{
    struct series s[NS];
    for (int i = 0; i < NS; i++) s[i] = (struct series){series_names[i], NULL, 0};
    int64_t n = 0;
    derm_status st = read_all(h5_path, s, &n, err);
    if (st == DERM_OK) st = write_md(md_path, s, n, p, sched, info, err);
    for (int i = 0; i < NS; i++) free(s[i].v);
    return st;
}
