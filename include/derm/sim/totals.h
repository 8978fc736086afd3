/* totals.h - the registry of the scalar time series written at every output row.
 *
 * One row per series: id, name, units, long name and the function that computes it
 * (totals.c), so a new readout is one row and one function; the `<signal>_mean` rows are
 * generated from the signal registry (store/fields.h). Matrix totals are areal masses: mg
 * per cm^2 of skin surface within the simulated depth (Shuster 1975 measured skin collagen
 * per unit area); signal means are domain means in au. Rates are those of the last step.
 * Values do not depend on the thread count (layer sums added in layer order).
 * Does not: write anything (io/output.c writes the rows by this list).
 */
#ifndef DERM_SIM_TOTALS_H
#define DERM_SIM_TOTALS_H

#include "derm/io/output.h"
#include "derm/store/fields.h"

/* X(id, name, units, long_name, fn): fn(sim, row sums, arg) computes the value (totals.c) */
#define DERM_TOTALS(X)                                                                                                 \
    X(COLLAGEN_TOTAL, "collagen_total", "mg/cm^2", "collagen (intact + fragmented) per skin area", t_collagen_total)   \
    X(COLLAGEN_INTACT_TOTAL, "collagen_intact_total", "mg/cm^2", "intact collagen per skin area",                      \
      t_collagen_intact_total)                                                                                         \
    X(COLLAGEN_FRAGMENTED_FRACTION, "collagen_fragmented_fraction", "1", "fragmented / total collagen",                \
      t_collagen_fragmented_fraction)                                                                                  \
    X(COLLAGEN_SYNTHESIS_RATE, "collagen_synthesis_rate", "mg/cm^2/year",                                              \
      "collagen deposited by cells, and by the refill of microneedling's wounds (model/wound.h)",                      \
      t_collagen_synthesis_rate)                                                                                       \
    X(COLLAGEN_DEGRADATION_RATE, "collagen_degradation_rate", "mg/cm^2/year",                                          \
      "collagen fragments cleared (loss from the pool)", t_collagen_degradation_rate)                                  \
    X(COLLAGEN_CLEAVAGE_RATE, "collagen_cleavage_rate", "mg/cm^2/year",                                                \
      "intact collagen cleaved by MMPs into fragments", t_collagen_cleavage_rate)                                      \
    X(COLLAGEN_RESIDENCE_TIME, "collagen_residence_time", "year",                                                      \
      "mean residence time of collagen: pool / clearance flux", t_collagen_residence_time)                             \
    X(COLLAGEN_SYNTHESIS_PER_CELL, "collagen_synthesis_per_cell", "pg/h", "mean collagen synthesis per fibroblast",    \
      t_collagen_synthesis_per_cell)                                                                                   \
    X(ELASTIN_FUNCTIONAL_TOTAL, "elastin_functional_total", "mg/cm^2", "functional elastin per skin area",             \
      t_elastin_functional_total)                                                                                      \
    X(ELASTIN_ELASTOTIC_TOTAL, "elastin_elastotic_total", "mg/cm^2", "elastotic material per skin area",               \
      t_elastin_elastotic_total)                                                                                       \
    X(HA_HMW_TOTAL, "ha_hmw_total", "mg/cm^2", "high-MW hyaluronan per skin area", t_ha_hmw_total)                     \
    X(HA_LMW_TOTAL, "ha_lmw_total", "mg/cm^2", "low-MW hyaluronan per skin area", t_ha_lmw_total)                      \
    X(HA_HALF_LIFE, "ha_half_life", "day", "high-MW HA pool half-life: ln2 x pool / degradation flux", t_ha_half_life) \
    X(AGE_CROSSLINKS_MEAN, "age_crosslinks_mean", "pmol/mg", "AGE cross-links per collagen", t_age_crosslinks_mean)    \
    X(FIBROBLAST_COUNT, "fibroblast_count", "1", "live fibroblasts", t_fibroblast_count)                               \
    X(FIBROBLAST_QUIESCENT, "fibroblast_quiescent", "1", "quiescent fibroblasts", t_fibroblast_quiescent)              \
    X(FIBROBLAST_ACTIVATED, "fibroblast_activated", "1", "activated fibroblasts", t_fibroblast_activated)              \
    X(FIBROBLAST_SENESCENT, "fibroblast_senescent", "1", "senescent fibroblasts", t_fibroblast_senescent)              \
    X(FIBROBLAST_DENSITY, "fibroblast_density", "1/mm^3", "fibroblasts per volume of dermis", t_fibroblast_density)    \
    X(SENESCENT_FRACTION, "senescent_fraction", "1", "senescent / all fibroblasts", t_senescent_fraction)              \
    X(STEM_CELL_COUNT, "stem_cell_count", "1", "dermal stem/progenitor cells", t_stem_cell_count)                      \
    X(ATTACHMENT_MEAN, "attachment_mean", "1", "mean fibroblast attachment to intact collagen", t_attachment_mean)     \
    X(ATTACHED_AREA_MEAN, "attached_area_mean", "1", "mean attached cell-surface fraction", t_attached_area_mean)      \
    X(MMP1_SECRETION_PER_CELL, "mmp1_secretion_per_cell", "1",                                                         \
      "mean fibroblast MMP-1 secretion relative to a young quiescent cell", t_mmp1_secretion_per_cell)                 \
    X(DERMAL_THICKNESS, "dermal_thickness", "um", "dermal thickness from matrix volume", t_dermal_thickness)           \
    X(ESTROGEN, "estrogen", "1", "estrogen level relative to premenopausal mean", t_estrogen)                          \
    X(GLUCOSE, "glucose_mM", "mM", "plasma glucose over the last step (subject baseline or schedule)", t_glucose)      \
    X(UV_DOSE_CUMULATIVE, "uv_dose_cumulative", "SED",                                                                 \
      "erythemal UV received at the skin surface after sunscreen, since the start", t_uv_dose_cumulative)              \
    X(UV_DOSE_UNPROTECTED_CUMULATIVE, "uv_dose_unprotected_cumulative", "SED",                                         \
      "scheduled erythemal UV before sunscreen, since the start", t_uv_dose_unprotected_cumulative)                    \
    X(UV_DOSE_DERMAL_CUMULATIVE, "uv_dose_dermal_cumulative", "SED",                                                   \
      "depth-mean UV (UVB + UVA) that reached the dermis, since the start", t_uv_dose_dermal_cumulative)               \
    X(SMOKING_PACK_YEARS, "smoking_pack_years", "pack-year",                                                           \
      "cigarettes smoked since the start, in packs of 20 per day x years", t_smoking_pack_years)                       \
    X(POLLUTION_INDEX_YEARS, "pollution_index_years", "year",                                                          \
      "air-pollution index integrated over time since the start", t_pollution_index_years)                             \
    X(EXOSOME_DOSE_CUMULATIVE, "exosome_dose_cumulative", "au", "exosome doses given since the start",                 \
      t_exosome_dose_cumulative)                                                                                       \
    X(CONDITIONED_MEDIUM_DOSE_CUMULATIVE, "conditioned_medium_dose_cumulative", "au",                                  \
      "conditioned-medium doses given since the start", t_conditioned_medium_dose_cumulative)                          \
    X(GROWTH_FACTOR_DOSE_CUMULATIVE, "growth_factor_dose_cumulative", "au",                                            \
      "growth-factor cocktail doses given since the start", t_growth_factor_dose_cumulative)                           \
    X(EXOSOME_DOSE_DELIVERED, "exosome_dose_delivered_cumulative", "au",                                               \
      "exosome doses that reached the simulated dermis since the start (by route)", t_exosome_dose_delivered)          \
    X(CONDITIONED_MEDIUM_DOSE_DELIVERED, "conditioned_medium_dose_delivered_cumulative", "au",                         \
      "conditioned-medium doses that reached the simulated dermis since the start (by route)",                         \
      t_conditioned_medium_dose_delivered)                                                                             \
    X(GROWTH_FACTOR_DOSE_DELIVERED, "growth_factor_dose_delivered_cumulative", "au",                                   \
      "growth-factor doses that reached the simulated dermis since the start (by route)",                              \
      t_growth_factor_dose_delivered)                                                                                  \
    X(MICRONEEDLING_CUMULATIVE, "microneedling_cumulative", "au", "microneedling session doses given since the start", \
      t_microneedling_cumulative)                                                                                      \
    X(WOUND_OPEN_FRACTION, "wound_open_fraction", "1",                                                                 \
      "volume fraction of the dermis in open micro-wounds (microneedling; model/wound.h)", t_wound_open_fraction)      \
    X(WOUND_REPAIR_FRACTION, "wound_repair_fraction", "1",                                                             \
      "volume fraction of the dermis in closed micro-wounds still under repair", t_wound_repair_fraction)              \
    X(MMP1_ACTIVITY_MEAN, "mmp1_activity_mean", "au", "mean TIMP-inhibited MMP-1 activity (1 at young baseline)",      \
      t_mmp1_activity_mean)                                                                                            \
    X(AP1_MEAN, "ap1_mean", "au", "mean fibroblast AP-1 activity", t_ap1_mean)                                         \
    X(TGFB_RESPONSE_MEAN, "tgfb_response_mean", "1",                                                                   \
      "mean fibroblast TGF-beta responsiveness (receptor level relative to normal)", t_tgfb_response_mean)             \
    X(DAMAGE_MEAN, "damage_mean", "au", "mean fibroblast DNA damage", t_damage_mean)                                   \
    X(EXOSOME_EFFECT_MEAN, "exosome_effect_mean", "au", "mean fibroblast exosome effect", t_exosome_effect_mean)       \
    X(ELASTIN_AGE_MEAN, "elastin_age_mean", "pmol/mg", "AGE cross-links per elastin", t_elastin_age_mean)              \
    X(COLLAGEN_MMP_SUSCEPTIBILITY, "collagen_mmp_susceptibility", "1",                                                 \
      "MMP cleavage rate of intact collagen relative to unglycated-young collagen at the same MMP activity (AGE "      \
      "protection)",                                                                                                   \
      t_collagen_mmp_susceptibility)                                                                                   \
    X(ELASTIN_TOTAL, "elastin_total", "mg/cm^2", "elastin (functional + elastotic) per skin area", t_elastin_total)    \
    X(HA_TOTAL, "ha_total", "mg/cm^2", "hyaluronan (high + low MW) per skin area", t_ha_total)                         \
    X(AGE_TOTAL, "age_total", "pmol/cm^2", "AGE cross-links carried by collagen per skin area", t_age_total)           \
    X(COLLAGEN_SYNTHESIZED, "collagen_synthesized", "mg/cm^2",                                                         \
      "collagen deposited by cells and wound refill since the start (collagen_total(t) - collagen_total(0) = "         \
      "synthesized - removed)",                                                                                        \
      t_collagen_synthesized)                                                                                          \
    X(COLLAGEN_CLEAVED, "collagen_cleaved", "mg/cm^2", "intact collagen cleaved into fragments since the start",       \
      t_collagen_cleaved)                                                                                              \
    X(COLLAGEN_REMOVED, "collagen_removed", "mg/cm^2", "collagen fragments cleared since the start",                   \
      t_collagen_removed)                                                                                              \
    X(ELASTIN_SYNTHESIZED, "elastin_synthesized", "mg/cm^2",                                                           \
      "functional elastin and elastotic material laid down since the start (elastin_total budget)",                    \
      t_elastin_synthesized)                                                                                           \
    X(ELASTIN_OXIDISED, "elastin_oxidised", "mg/cm^2", "functional elastin turned elastotic since the start",          \
      t_elastin_oxidised)                                                                                              \
    X(ELASTIN_REMOVED, "elastin_removed", "mg/cm^2", "elastin cleared since the start", t_elastin_removed)             \
    X(HA_SYNTHESIZED, "ha_synthesized", "mg/cm^2", "hyaluronan made since the start (ha_total budget)",                \
      t_ha_synthesized)                                                                                                \
    X(HA_REMOVED, "ha_removed", "mg/cm^2", "hyaluronan cleared since the start", t_ha_removed)                         \
    X(AGE_FORMED, "age_formed", "pmol/cm^2", "AGE cross-links formed on collagen since the start (age_total budget)",  \
      t_age_formed)                                                                                                    \
    X(AGE_REMOVED, "age_removed", "pmol/cm^2", "AGE cross-links cleared with collagen since the start", t_age_removed) \
    X(CUTOMETER_R0, "cutometer_R0", "mm", "Cutometer R0 = Uf: final extension, firmness (simulated suction test)",     \
      t_cutometer_r0)                                                                                                  \
    X(CUTOMETER_R1, "cutometer_R1", "mm", "Cutometer R1 = Uf - Ua: deformation left after the off time",               \
      t_cutometer_r1)                                                                                                  \
    X(CUTOMETER_R2, "cutometer_R2", "1", "Cutometer R2 = Ua/Uf: gross elasticity", t_cutometer_r2)                     \
    X(CUTOMETER_R5, "cutometer_R5", "1", "Cutometer R5 = Ur/Ue: net elasticity", t_cutometer_r5)                       \
    X(CUTOMETER_R6, "cutometer_R6", "1", "Cutometer R6 = Uv/Ue: viscoelastic share", t_cutometer_r6)                   \
    X(CUTOMETER_R7, "cutometer_R7", "1", "Cutometer R7 = Ur/Uf: biological elasticity", t_cutometer_r7)                \
    X(CUTOMETER_R8, "cutometer_R8", "mm", "Cutometer R8 = Ua: total retraction", t_cutometer_r8)                       \
    X(CUTOMETER_UE, "cutometer_Ue", "mm", "Cutometer Ue: immediate extension (0.1 s after suction starts)",            \
      t_cutometer_ue)                                                                                                  \
    X(CUTOMETER_UV, "cutometer_Uv", "mm", "Cutometer Uv = Uf - Ue: delayed extension", t_cutometer_uv)                 \
    X(CUTOMETER_UF, "cutometer_Uf", "mm", "Cutometer Uf: final extension (end of the suction time)", t_cutometer_uf)   \
    X(CUTOMETER_UR, "cutometer_Ur", "mm", "Cutometer Ur: immediate retraction (0.1 s after release)", t_cutometer_ur)  \
    X(CUTOMETER_UA, "cutometer_Ua", "mm", "Cutometer Ua: total retraction (end of the off time)", t_cutometer_ua)      \
    X(DERMAL_WATER_CONTENT, "dermal_water_content", "1",                                                               \
      "dermal water volume fraction (HA-bound water follows high-MW HA)", t_dermal_water_content)

enum derm_total_id {
#define DERM_X_ID(id, name, units, ln, fn) DERM_T_##id,
    DERM_TOTALS(DERM_X_ID)
#undef DERM_X_ID
        DERM_T_SIGNAL_MEAN, /* first of the DERM_NSIGNAL `<signal>_mean` rows */
    DERM_NTOTALS = DERM_T_SIGNAL_MEAN + DERM_NSIGNAL
};

struct derm_sim;

/** Name, units and long name of series t in [0, DERM_NTOTALS), or NULL. */
const struct derm_series_desc *derm_total_desc(int t);

/** The whole registry (DERM_NTOTALS rows, in output order), for the writer. */
const struct derm_series_desc *derm_totals_table(void);

/** part[k n + j] = the sum of array x[j] over layer k of grid g, serial in index order
 *  (the bits of `for q: sum += x[j][k nxy + q]`), the layers in parallel, several arrays per
 *  loop: part holds nz x n values. */
void derm_totals_layer_sums(const struct derm_grid *g, int n, const derm_real *const *x, double *part);

/** Dermal thickness (um) for domain sums msum of every matrix field. */
double derm_totals_dermal_thickness(const struct derm_sim *s, const double *msum);

/** Every series at the current state, DERM_NTOTALS values in registry order (the lazy
 *  signals summed from their coarse states; DERM_ENOMEM if the interpolation rows cannot be
 *  had). Uses the simulation's layer scratch (s->layer_sums): not to be called while a step
 *  runs. */
derm_status derm_totals_compute(struct derm_sim *s, double *out, struct derm_err *err);

/** The domain sum of every signal (DERM_NSIGNAL values), each the sum of its layers' serial
 *  sums in layer order (a lazy signal's made from its coarse state): the same for any thread
 *  count. Uses s->layer_sums, as derm_totals_compute. */
derm_status derm_totals_signal_sums(struct derm_sim *s, double *sum, struct derm_err *err);

/** A series row: the simulated Cutometer brought up to date (derm_firmness_update), then
 *  every series, as derm_firmness_update and derm_totals_compute give them (the same bits),
 *  with one pass of sums for both, and the lazy signals summed from their coarse states
 *  (DERM_ENOMEM if the interpolation rows cannot be had). Uses s->layer_sums, as derm_totals_compute. */
derm_status derm_totals_row(struct derm_sim *s, double *out, struct derm_err *err);

#endif
