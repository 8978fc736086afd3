/* exposure.h - what scheduled exposures and treatments put into the tissue.
 *
 * Owns: turning what the schedule delivered over a step (struct derm_exposure) into
 *  - UV reaching each depth layer: surface dose x transmission at the junction x
 *    exp(-z / depth), separately for UVB (papillary) and UVA (reticular) (Bruls 1984;
 *    Meinhardt 2008; VALIDATION C17);
 *  - signal sources: ROS where UV is absorbed (UVA weighted by uv.uva_ros_weight) and
 *    systemic ROS from smoking and pollution, added as a level above the young one;
 *    treatment doses shaped by route (intradermal Gaussian at depth_um +- spread_um,
 *    topical exp(-z / penetration_um), or uniform over the needled depth while
 *    microneedling channels are open, systemic uniform), each unit dose raising its signal
 *    by treatment.*_level over a column of treatment.column_um;
 *  - the exosome source mix and its effect emphasis (named presets below).
 * Does not: integrate the schedule (schedule.c) or act on cells and matrix (cells.c, ecm.c).
 *
 * Source presets: relative emphasis of (collagen/elastin synthesis, MMP suppression,
 * IL/SASP suppression, damage repair, progenitor activation), 1 = generic MSC exosome.
 * Qualitative, from the reviews behind BIOLOGY.md: adipose-derived exosomes raise type I
 * collagen and lower MMP-1/-3 in photoaged skin (Liang 2020; Hu 2019 antioxidant),
 * umbilical-cord exosomes are the most pro-proliferative / regenerative (Zhang 2015
 * wound healing), bone-marrow exosomes the most immunomodulatory, dental-pulp exosomes
 * anti-oxidative and anti-senescent, amnion exosomes anti-inflammatory and anti-fibrotic.
 */
#ifndef DERM_EXPOSURE_H
#define DERM_EXPOSURE_H

#include "derm/store/fields.h"
#include "derm/core/grid.h"
#include "derm/io/params.h"
#include "derm/inputs/schedule.h"

enum { DERM_EXO_SYNTHESIS = 0, DERM_EXO_MMP, DERM_EXO_IL, DERM_EXO_REPAIR, DERM_EXO_PROGENITOR, DERM_EXO_NEFFECT };

/** Preset emphasis of a source (enum derm_sched_source), DERM_EXO_NEFFECT values. */
const double *derm_exposure_source_preset(int source);

/** Emphasis of a mix: mix[DERM_SOURCE_COUNT] amounts of exosomes by source still present;
 *  mult = amount-weighted mean of the presets (generic when the mix is empty). */
void derm_exposure_mix_emphasis(const double *mix, double *mult);

/** SED of UVB and UVA reaching each depth layer (nz entries each) over the step. */
void derm_exposure_uv_layers(const struct derm_grid *g, const struct derm_params *p, const struct derm_exposure *x,
                             double *uvb_k, double *uva_k);

/** Depth weights (nz entries, per um, summing to 1/h over layers times h, i.e. sum w_k h = 1)
 *  of a treatment entry's dose; `open_depth_um` > 0 gives the uniform profile of a topical
 *  product through open microneedling channels. */
void derm_exposure_profile(const struct derm_grid *g, const struct derm_sched_entry *e, double open_depth_um,
                           double *w_k);

/** Add the step's exposure sources (au/h) to the signal sources `src`:
 *  ros_excess_k (nz) is the ROS level above young to hold in each layer over the step, in
 *  units of what young cells sense (multiplied here by ros_sense x k_ros); treatments from
 *  x->dose. `mix` (DERM_SOURCE_COUNT) receives the exosome amounts added by source. */
void derm_exposure_add_sources(const struct derm_grid *g, const struct derm_params *p, const struct derm_exposure *x,
                               const double *ros_excess_k, double ros_sense, double k_ros, double dt_h,
                               double *const *src, double *mix, double *w_scratch);

#endif
