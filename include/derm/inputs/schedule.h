/* schedule.h - time-varying inputs: exposures and treatments on a schedule.
 *
 * Owns: the keys of a schedule entry (one table: units, default, range, meaning), setting
 * them from text with the same checks and messages as parameters, whole-schedule
 * validation (ages inside the run, periods that make sense, level inputs that overlap),
 * and the exact integration of every entry over a time interval. One mechanism serves
 * every input: an entry is active over an age period (from_age..to_age) or as a course of
 * administrations (at_age, count, every_days), each lasting duration_days or instantaneous;
 * inside an active period a daily window (hour_from..hour_to), days_per_week from
 * first_weekday (0 = Monday; the calendar starts on a Monday at birth) and a seasonal factor
 * 1 + A cos(2 pi (day_of_year - peak_day) / 365.25) shape the delivery. A dose input
 * (uv, treatments) delivers `dose` per active day spread evenly over the window (or
 * `dose` at once for an instantaneous administration); a level input (glucose, smoking,
 * pollution, sunscreen) holds `dose` while active. Integrals are closed-form over the
 * pieces of [t0, t1), so the delivered amount does not depend on the step.
 * Does not: know what an input does to the tissue (inputs/exposure.c, inputs/treatment.c and
 * the model do), read YAML (io/config.c walks the `schedule:` section and calls
 * derm_schedule_entry_set).
 * Sources: SED = 100 J/m^2 erythemally weighted (CIE S 007); MED by Fitzpatrick skin type
 * (Harrison & Young 2002); estimated average glucose = 1.59 HbA1c - 2.59 mM (Nathan 2008,
 * ADAG); sunlight UVA:UVB ~10-100:1 (VALIDATION C17).
 */
#ifndef DERM_INPUTS_SCHEDULE_H
#define DERM_INPUTS_SCHEDULE_H

#include <stdio.h>

#include "derm/core/desc.h"
#include "derm/core/status.h"
#include "derm/inputs/schedule_data.h"

/* Estimated average glucose from HbA1c: mM = 1.59 HbA1c(%) - 2.59 (Nathan 2008, ADAG): a unit
 * conversion of the dose, like SED = 100 J/m^2 erythemally weighted. */
#define DERM_ADAG_SLOPE_MM 1.59
#define DERM_ADAG_OFFSET_MM 2.59

/** The key table of a schedule entry (offsets into struct derm_schedule_entry); `path` is the
 *  bare key ("dose"). */
size_t derm_schedule_key_count(void);
const struct derm_param_desc *derm_schedule_keys(void);
const struct derm_param_desc *derm_schedule_key_find(const char *key);

/** Reset an entry to the defaults of every key, with the given name. */
void derm_schedule_entry_defaults(struct derm_schedule_entry *e, const char *name);

/** Find an entry by name (NULL if none). */
struct derm_schedule_entry *derm_schedule_find(struct derm_schedule *s, const char *name);

/** Add an entry named `name` (error if the name exists, is malformed or the schedule is
 *  full). `where` ("FILE:LINE:COL" or "--set") is used in messages. */
derm_status derm_schedule_add(struct derm_schedule *s, const char *name, const char *where, unsigned long line,
                              unsigned long col, struct derm_schedule_entry **out, struct derm_err *err);

/** Set key `key` of entry `e` from text; messages read "WHERE: key 'schedule.NAME.KEY': ...". */
derm_status derm_schedule_entry_set(struct derm_schedule_entry *e, const char *key, const char *text, const char *where,
                                    struct derm_err *err);

/** The value of "schedule.NAME.KEY" in s as the resolved configuration writes it, into buf
 *  (n bytes); 0 (buf "") if path is not of that form or names no entry or key of s. */
int derm_schedule_format_key(const struct derm_schedule *s, const char *path, char *buf, size_t n);

/** "--set schedule.NAME.KEY=VALUE" for an existing entry, or a new one when KEY is `input`. */
derm_status derm_schedule_apply_set(struct derm_schedule *s, const char *path, const char *text, struct derm_err *err);

/** The unit of `dose` for an input (enum derm_schedule_input) and dose_unit (enum
 *  derm_schedule_unit), as error messages and listings show it; input -1 (not yet known):
 *  "in the units of the entry's input"; dose_unit -1 (not yet known): both of the input's
 *  units where it has two (uv, glucose). */
const char *derm_schedule_dose_units(int input, int dose_unit);

/** 1 if an entry delivers UV (input uv with a dose above 0): a run without one never
 *  allocates its UV records (sim/sim.h, derm_sim_uv_records). */
int derm_schedule_has_uv(const struct derm_schedule *s);

/** Whole-schedule checks for a run from age_start to age_end (years): an input for every
 *  entry, active periods inside the run and not empty, windows that make sense, courses
 *  with an interval, keys that do not apply to the input, level inputs overlapping in time.
 *  Messages cite s->file and the entry's line and column. */
derm_status derm_schedule_validate(const struct derm_schedule *s, double age_start, double age_end,
                                   struct derm_err *err);

/** Constants the integration needs from the parameter set. */
struct derm_schedule_consts {
    double glucose_mM;              /* baseline plasma glucose when no glucose entry is active */
    double med_sed;                 /* SED per MED for the subject's skin type */
    double uva_erythemal_share;     /* share of solar erythemal dose from UVA at reference_uva_uvb_ratio */
    double reference_uva_uvb_ratio; /* physical UVA:UVB ratio at which that share is given */
};

/** What the schedule delivered over one interval. Amounts, not rates. */
struct derm_exposure {
    double uvb_sed, uva_sed;          /* erythemal UV at the skin surface after sunscreen, SED */
    double uv_sed_unprotected;        /* the same before sunscreen, SED */
    double glucose_mM;                /* time mean of plasma glucose */
    double cigarettes_per_day;        /* time mean */
    double pollution;                 /* time mean of the pollution index */
    double dose[DERM_SCHED_MAX];      /* per entry: amount delivered (dose inputs) */
    double dose_open[DERM_SCHED_MAX]; /* per entry: part delivered topically through open channels */
    double dose_time[DERM_SCHED_MAX]; /* per entry: sum of instantaneous administrations x their time
                                         after the interval's start (au h): dose_time / dose is
                                         when a lone session came */
    double open_depth_um;             /* deepest open microneedling channels in the interval */
};

/** Integrate the schedule over subject-age hours [t0_h, t1_h) (t1 > t0). Instantaneous
 *  administrations at t count when t0 <= t < t1. */
void derm_schedule_integrate(const struct derm_schedule *s, const struct derm_schedule_consts *k, double t0_h,
                             double t1_h, struct derm_exposure *x);

/** Write the schedule as the YAML `schedule:` section (every key of every entry). */
void derm_schedule_write_yaml(const struct derm_schedule *s, FILE *fp);

/** Print the entry keys as a table (dermsim params). */
void derm_schedule_print_keys(FILE *fp);

/** Names of the inputs, for messages and reports. */
const char *derm_schedule_input_name(int input);

#endif
