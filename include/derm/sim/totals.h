/* totals.h - registry of the scalar time series written at every output row.
 *
 * Matrix totals are areal masses: mg per cm^2 of skin surface within the simulated
 * depth (Shuster 1975 measured skin collagen per unit area). Signal means are domain
 * means in au. sim.c computes the values (derm_sim_totals); io.c writes them by this list.
 */
#ifndef DERM_TOTALS_H
#define DERM_TOTALS_H

/* X(id, name, units, long_name) */
#define DERM_TOTALS(X)                                                                          \
    X(COLLAGEN_TOTAL, "collagen_total", "mg/cm^2", "collagen (intact + fragmented) per skin area") \
    X(COLLAGEN_INTACT_TOTAL, "collagen_intact_total", "mg/cm^2", "intact collagen per skin area") \
    X(COLLAGEN_FRAGMENTED_FRACTION, "collagen_fragmented_fraction", "1", "fragmented / total collagen") \
    X(COLLAGEN_SYNTHESIS_RATE, "collagen_synthesis_rate", "mg/cm^2/year", "collagen deposited by cells") \
    X(COLLAGEN_DEGRADATION_RATE, "collagen_degradation_rate", "mg/cm^2/year", "collagen fragments cleared (loss from the pool)") \
    X(COLLAGEN_CLEAVAGE_RATE, "collagen_cleavage_rate", "mg/cm^2/year", "intact collagen cleaved by MMPs into fragments") \
    X(COLLAGEN_RESIDENCE_TIME, "collagen_residence_time", "year", "mean residence time of collagen: pool / clearance flux") \
    X(COLLAGEN_SYNTHESIS_PER_CELL, "collagen_synthesis_per_cell", "pg/h", "mean collagen synthesis per fibroblast") \
    X(ELASTIN_FUNCTIONAL_TOTAL, "elastin_functional_total", "mg/cm^2", "functional elastin per skin area") \
    X(ELASTIN_ELASTOTIC_TOTAL, "elastin_elastotic_total", "mg/cm^2", "elastotic material per skin area") \
    X(HA_HMW_TOTAL, "ha_hmw_total", "mg/cm^2", "high-MW hyaluronan per skin area")               \
    X(HA_LMW_TOTAL, "ha_lmw_total", "mg/cm^2", "low-MW hyaluronan per skin area")                \
    X(HA_HALF_LIFE, "ha_half_life", "day", "high-MW HA pool half-life: ln2 x pool / degradation flux") \
    X(AGE_CROSSLINKS_MEAN, "age_crosslinks_mean", "pmol/mg", "AGE cross-links per collagen")     \
    X(FIBROBLAST_COUNT, "fibroblast_count", "1", "live fibroblasts")                             \
    X(FIBROBLAST_QUIESCENT, "fibroblast_quiescent", "1", "quiescent fibroblasts")                \
    X(FIBROBLAST_ACTIVATED, "fibroblast_activated", "1", "activated fibroblasts")                \
    X(FIBROBLAST_SENESCENT, "fibroblast_senescent", "1", "senescent fibroblasts")                \
    X(FIBROBLAST_DENSITY, "fibroblast_density", "1/mm^3", "fibroblasts per volume of dermis")    \
    X(SENESCENT_FRACTION, "senescent_fraction", "1", "senescent / all fibroblasts")              \
    X(STEM_CELL_COUNT, "stem_cell_count", "1", "dermal stem/progenitor cells")                   \
    X(ATTACHMENT_MEAN, "attachment_mean", "1", "mean fibroblast attachment to intact collagen")  \
    X(ATTACHED_AREA_MEAN, "attached_area_mean", "1", "mean attached cell-surface fraction")      \
    X(MMP1_SECRETION_PER_CELL, "mmp1_secretion_per_cell", "1", "mean fibroblast MMP-1 secretion relative to a young quiescent cell") \
    X(DERMAL_THICKNESS, "dermal_thickness", "um", "dermal thickness from matrix volume")         \
    X(ESTROGEN, "estrogen", "1", "estrogen level relative to premenopausal mean")                \
    X(GLUCOSE, "glucose_mM", "mM", "plasma glucose over the last step (subject baseline or schedule)") \
    X(UV_DOSE_CUMULATIVE, "uv_dose_cumulative", "SED", "erythemal UV received at the skin surface after sunscreen, since the start") \
    X(UV_DOSE_UNPROTECTED_CUMULATIVE, "uv_dose_unprotected_cumulative", "SED", "scheduled erythemal UV before sunscreen, since the start") \
    X(UV_DOSE_DERMAL_CUMULATIVE, "uv_dose_dermal_cumulative", "SED", "depth-mean UV (UVB + UVA) that reached the dermis, since the start") \
    X(SMOKING_PACK_YEARS, "smoking_pack_years", "pack-year", "cigarettes smoked since the start, in packs of 20 per day x years") \
    X(POLLUTION_INDEX_YEARS, "pollution_index_years", "year", "air-pollution index integrated over time since the start") \
    X(EXOSOME_DOSE_CUMULATIVE, "exosome_dose_cumulative", "au", "exosome doses given since the start") \
    X(CONDITIONED_MEDIUM_DOSE_CUMULATIVE, "conditioned_medium_dose_cumulative", "au", "conditioned-medium doses given since the start") \
    X(GROWTH_FACTOR_DOSE_CUMULATIVE, "growth_factor_dose_cumulative", "au", "growth-factor cocktail doses given since the start") \
    X(MICRONEEDLING_CUMULATIVE, "microneedling_cumulative", "au", "microneedling session doses given since the start") \
    X(MMP1_ACTIVITY_MEAN, "mmp1_activity_mean", "au", "mean TIMP-inhibited MMP-1 activity (1 at young baseline)") \
    X(AP1_MEAN, "ap1_mean", "au", "mean fibroblast AP-1 activity") \
    X(TGFB_RESPONSE_MEAN, "tgfb_response_mean", "1", "mean fibroblast TGF-beta responsiveness (receptor level relative to normal)") \
    X(DAMAGE_MEAN, "damage_mean", "au", "mean fibroblast DNA damage") \
    X(EXOSOME_EFFECT_MEAN, "exosome_effect_mean", "au", "mean fibroblast exosome effect") \
    X(ELASTIN_AGE_MEAN, "elastin_age_mean", "pmol/mg", "AGE cross-links per elastin") \
    X(COLLAGEN_MMP_SUSCEPTIBILITY, "collagen_mmp_susceptibility", "1", "MMP cleavage rate of intact collagen relative to unglycated-young collagen at the same MMP activity (AGE protection)") \
    X(STIFFNESS_FACTOR, "stiffness_factor", "1", "matrix stiffening by AGE cross-links relative to age 25 (for the mechanics readout)") \
    X(VISCOUS_RECOVERY_FACTOR, "viscous_recovery_factor", "1", "viscous recovery relative to age 25 (falls as cross-links stiffen the matrix)") \
    X(TGFB_MEAN, "tgfb_mean", "au", "mean TGF-beta")                                             \
    X(MMP1_MEAN, "mmp1_mean", "au", "mean MMP-1")                                                \
    X(MMP3_MEAN, "mmp3_mean", "au", "mean MMP-3")                                                \
    X(TIMP_MEAN, "timp_mean", "au", "mean TIMP-1")                                               \
    X(ROS_MEAN, "ros_mean", "au", "mean reactive oxygen species")                                \
    X(IL_MEAN, "il_mean", "au", "mean inflammatory interleukins")                                \
    X(GF_MEAN, "gf_mean", "au", "mean growth factors")                                           \
    X(CHEMOKINE_MEAN, "chemokine_mean", "au", "mean chemokines")                                 \
    X(EXOSOME_MEAN, "exosome_mean", "au", "mean exosomes")

enum derm_total_id {
#define DERM_X_ID(id, name, units, ln) DERM_T_##id,
    DERM_TOTALS(DERM_X_ID)
#undef DERM_X_ID
        DERM_NTOTALS
};

struct derm_total_desc {
    const char *name, *units, *long_name;
};
const struct derm_total_desc *derm_total_desc(int t);

#endif
