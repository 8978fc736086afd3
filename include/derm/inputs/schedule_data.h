/* schedule_data.h - the plain data of a schedule of exposures and treatments.
 *
 * Owns: struct derm_schedule_entry (one named entry of the config's `schedule:` section) and
 * struct derm_schedule (a fixed-capacity array of them, so a configuration copies by value). The meaning of every
 * member, its units and its range are in the key table of inputs/schedule.c (DERM_SCHED_KEYS); this header only holds
 * storage. Does not: parse, validate or integrate (inputs/schedule.c does).
 */
#ifndef DERM_SCHEDULE_DATA_H
#define DERM_SCHEDULE_DATA_H

#include <stdint.h>

#define DERM_SCHED_MAX 48      /* entries per schedule */
#define DERM_SCHED_NAME_MAX 48 /* bytes of an entry name, NUL included */
#define DERM_SCHED_NKEYS 24    /* keys of an entry (inputs/schedule.c checks the table has as many) */

/* Scheduled inputs (ENUM order of the key `input`). */
enum derm_schedule_input {
    DERM_IN_UV = 0,             /* dose: SED (or MED) per active day */
    DERM_IN_SUNSCREEN,          /* dose: effective SPF while worn */
    DERM_IN_GLUCOSE,            /* dose: plasma glucose, mM (or HbA1c %) while active */
    DERM_IN_SMOKING,            /* dose: cigarettes per day while active */
    DERM_IN_POLLUTION,          /* dose: air-pollution index while active */
    DERM_IN_EXOSOME,            /* dose: exosome amount per administration (au) */
    DERM_IN_CONDITIONED_MEDIUM, /* dose: conditioned medium per administration (au) */
    DERM_IN_GROWTH_FACTOR,      /* dose: PRP-like growth-factor cocktail per administration (au) */
    DERM_IN_MICRONEEDLING,      /* dose: sessions (model/wound.h); opens channels */
    DERM_IN_COUNT
};
#define DERM_SCHED_INPUT_CHOICES \
    "uv|sunscreen|glucose|smoking|pollution|exosome|conditioned_medium|growth_factor|microneedling"

enum derm_schedule_unit { DERM_UNIT_NATIVE = 0, DERM_UNIT_MED, DERM_UNIT_HBA1C };
enum derm_schedule_spectrum { DERM_SPECTRUM_SUN = 0, DERM_SPECTRUM_UVB, DERM_SPECTRUM_UVA };
enum derm_schedule_route { DERM_ROUTE_INTRADERMAL = 0, DERM_ROUTE_TOPICAL, DERM_ROUTE_SYSTEMIC };
enum derm_schedule_source {
    DERM_SOURCE_GENERIC = 0,
    DERM_SOURCE_ADIPOSE,
    DERM_SOURCE_UMBILICAL_CORD,
    DERM_SOURCE_BONE_MARROW,
    DERM_SOURCE_DENTAL_PULP,
    DERM_SOURCE_AMNION,
    DERM_SOURCE_COUNT
};

/* One entry. Ages in years, hours of day in [0, 24], day counts in days. A negative age
 * means "not given". Members are read through the key table (offsetof), so every one
 * of the numeric members is an int, int64_t or double as its key's type says. */
struct derm_schedule_entry {
    char name[DERM_SCHED_NAME_MAX];
    unsigned long line, col; /* where the entry was defined (0 = --set or default) */
    int input;               /* enum derm_schedule_input */
    int has_input;           /* the key `input` was given */
    uint32_t given;          /* bit i: key i of the key table was given */
    unsigned long key_line[DERM_SCHED_NKEYS], key_col[DERM_SCHED_NKEYS]; /* where (0: --set) */
    char set_arg[200]; /* the entry's --set options, "--set 'schedule.NAME.KEY=VALUE', '...'" ("": none) */
    uint8_t set_value_off[DERM_SCHED_NKEYS], set_value_len[DERM_SCHED_NKEYS]; /* key i's last --set value
                                                     in set_arg (length 0: not recorded there) */
    double dose;
    int dose_unit;             /* enum derm_schedule_unit */
    double from_age, to_age;   /* active period (continuous pattern) */
    double at_age;             /* start of a course or a single episode */
    double hour;               /* hour of day of each administration (< 0: exactly at_age) */
    double duration_days;      /* episode length (0: instantaneous administration) */
    int64_t count;             /* administrations in a course */
    double every_days;         /* interval between administrations */
    double hour_from, hour_to; /* daily window of a continuous pattern */
    int64_t days_per_week;     /* active days per week, from first_weekday */
    int64_t first_weekday;     /* 0 = Monday */
    double season_amplitude;   /* dose x (1 + A cos(2 pi (day - peak) / 365.25)) */
    double peak_day;           /* day of year of the seasonal peak */
    int spectrum;              /* enum derm_schedule_spectrum (uv) */
    double uva_uvb_ratio;      /* physical UVA:UVB energy ratio of sunlight (uv, spectrum sun) */
    int route;                 /* enum derm_schedule_route (treatments) */
    double depth_um, spread_um, penetration_um;
    int source;        /* enum derm_schedule_source (exosome, conditioned medium) */
    double open_hours; /* microneedling: channels stay open this long */
};

struct derm_schedule {
    int n;
    char file[256]; /* config file the entries came from (for messages) */
    struct derm_schedule_entry e[DERM_SCHED_MAX];
};

#endif
