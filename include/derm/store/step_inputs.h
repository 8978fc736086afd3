/* step_inputs.h - what changes from step to step and is not state: the explicit inputs
 * every mechanism's kernel receives beside its constant coefficients.
 *
 * Owns: struct derm_step_inputs. The sim layer fills it once per step (model/subject.c for
 * the subject's systemic state at the step's mid-age, inputs/exposure.c for what the
 * schedule delivered), and kernels read it; coefficient structs are never rewritten during a
 * run.
 * Does not: hold state that persists between steps (fields, agents, exposure records).
 */
#ifndef DERM_STORE_STEP_INPUTS_H
#define DERM_STORE_STEP_INPUTS_H

#include <stdint.h>

/* Effects of exosome cargo that a source's preset can emphasise. */
enum derm_exo_effect {
    DERM_EXO_SYNTHESIS = 0, /* collagen and elastin synthesis */
    DERM_EXO_MMP,           /* MMP-1/-3 suppression */
    DERM_EXO_IL,            /* IL and SASP suppression */
    DERM_EXO_REPAIR,        /* DNA-damage repair */
    DERM_EXO_PROGENITOR,    /* progenitor activation */
    DERM_EXO_NEFFECT
};

struct derm_step_inputs {
    /* the subject, relative to the young-adult reference (model/subject.h) */
    double estrogen_synthesis; /* factor on estrogen-dependent synthesis */
    double collagen_synthesis; /* collagen synthesis of the growing dermis (1 in adults) */
    double elastin_synthesis;  /* functional elastin synthesis */
    double immune;             /* clearance of senescent cells */
    double stem_vigour;        /* progenitor vigour */
    double systemic;           /* systemic growth support */
    /* exposures delivered over the step (inputs/exposure.h) */
    double glucose_ratio;              /* plasma glucose / glycation.reference_glucose_mM */
    const double *uv_sed_k;            /* SED reaching each depth layer over the step (nz); NULL: none */
    const double *uv_ap1_k;            /* direct UV drive of AP-1 per layer (au, nz); NULL: none */
    const double *ros_ex_k;            /* exposure ROS above young per layer, in what young cells sense (nz);
                                          NULL: none */
    double exo_mult[DERM_EXO_NEFFECT]; /* emphasis of the exosome mix present (1 = generic) */
    const double *wound_synthesis_k;   /* collagen synthesis factor of tissue under repair per layer
                                          (nz; model/wound.h); NULL: no wounds */
    /* the population */
    int64_t stem_count; /* live progenitors at the start of the step */
};

/** Inputs of a young-adult reference step: every subject factor 1, reference glucose, no
 *  UV, generic exosome emphasis, no progenitors counted. */
static inline struct derm_step_inputs derm_step_inputs_young(void)
{
    struct derm_step_inputs in = {0};
    in.estrogen_synthesis = in.collagen_synthesis = in.elastin_synthesis = 1.0;
    in.immune = in.stem_vigour = in.systemic = 1.0;
    in.glucose_ratio = 1.0;
    for (int e = 0; e < DERM_EXO_NEFFECT; e++) in.exo_mult[e] = 1.0;
    return in;
}

#endif
