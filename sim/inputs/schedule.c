/* schedule.c - schedule entries, their checks and their exact integration (see schedule.h). */
#include "derm/inputs/schedule.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

static const double TWO_PI = 6.283185307179586;
static const double DAYS_PER_YEAR = 365.25;
static const double HOURS_PER_YEAR = 8766.0;

static void print_note(FILE *fp)
{
    fprintf(fp, "      One mapping per named entry, e.g. schedule: {sun: {input: uv, dose: 1.5}}.\n"
                "      Ages not given are 'none'. See README, section Schedules.\n");
}

/* X(member, key, TYPE, units, default, lo, hi, choices, doc); ages default to -1 = not given */
#define DERM_SCHED_KEYS(X)                                                                                       \
    X(input, "input", ENUM, "1", 0, 0, DERM_IN_COUNT - 1, DERM_SCHED_INPUT_CHOICES,                              \
      "What the entry delivers (required)")                                                                      \
    X(dose, "dose", REAL, "per input", 0, 0, 1e6, "",                                                            \
      "In the units of the entry's input, listed below it (derm_schedule_dose_units)")                           \
    X(dose_unit, "dose_unit", ENUM, "1", 0, 0, 2, "native|med|hba1c",                                            \
      "native units, MED of the subject's skin type (uv), or HbA1c % (glucose; ADAG: "                           \
      "mM = 1.59 HbA1c - 2.59)")                                                                                 \
    X(from_age, "from_age", REAL, "year", -1, 0, 130, "", "Start of a continuous active period")                 \
    X(to_age, "to_age", REAL, "year", -1, 0, 130, "", "End of a continuous active period (default: end of run)") \
    X(at_age, "at_age", REAL, "year", -1, 0, 130, "",                                                            \
      "Age of the first administration of a course or the start of a single episode")                            \
    X(hour, "hour", REAL, "h", -1, 0, 24, "", "Hour of day of each administration (default: exactly at_age)")    \
    X(duration_days, "duration_days", REAL, "day", 0, 0, 36525, "",                                              \
      "Length of each episode of a course (0 = instantaneous administration)")                                   \
    X(count, "count", INT, "1", 1, 1, 100000, "", "Administrations (or episodes) in a course")                   \
    X(every_days, "every_days", REAL, "day", 0, 0, 36525, "", "Interval between administrations")                \
    X(hour_from, "hour_from", REAL, "h", 0, 0, 24, "", "Daily window start (hour of day)")                       \
    X(hour_to, "hour_to", REAL, "h", 24, 0, 24, "", "Daily window end (hour of day)")                            \
    X(days_per_week, "days_per_week", INT, "1", 7, 1, 7, "",                                                     \
      "Active days per week, counted from first_weekday (5 = weekends off)")                                     \
    X(first_weekday, "first_weekday", INT, "1", 0, 0, 6, "",                                                     \
      "First active day of the week, 0 = Monday ... 5 = Saturday (days_per_week 2 from 5 = weekends)")           \
    X(season_amplitude, "season_amplitude", REAL, "1", 0, 0, 1, "",                                              \
      "Seasonal modulation A of the dose: x (1 + A cos(2 pi (day - peak_day)/365.25)); yearly mean 1")           \
    X(peak_day, "peak_day", REAL, "day", 172, 0, 366, "",                                                        \
      "Day of year of the seasonal peak (172 = June solstice; 355 for the southern hemisphere)")                 \
    X(spectrum, "spectrum", ENUM, "1", 0, 0, 2, "sun|uvb|uva",                                                   \
      "uv: sunlight (UVA + UVB by uva_uvb_ratio), or a UVB-only or UVA-only source")                             \
    X(uva_uvb_ratio, "uva_uvb_ratio", REAL, "1", 20, 1, 1000, "",                                                \
      "uv, sunlight: physical UVA:UVB energy ratio (10-100:1; Wang 2014, VALIDATION C17)")                       \
    X(route, "route", ENUM, "1", 0, 0, 2, "intradermal|topical|systemic",                                        \
      "Treatments: injection at depth_um, on the surface with penetration_um, or by drip (uniform)")             \
    X(depth_um, "depth_um", REAL, "um", 300, 0, 5000, "",                                                        \
      "Intradermal: depth of the injected bolus; microneedling: needle depth reached in the dermis")             \
    X(spread_um, "spread_um", REAL, "um", 150, 1, 5000, "", "Intradermal: s.d. of the bolus in depth")           \
    X(penetration_um, "penetration_um", REAL, "um", 30, 1, 5000, "",                                             \
      "Topical: e-folding depth of penetration through intact skin (deeper through open channels)")              \
    X(source, "source", ENUM, "1", 0, 0, DERM_SOURCE_COUNT - 1,                                                  \
      "generic|adipose|umbilical_cord|bone_marrow|dental_pulp|amnion",                                           \
      "Exosome / conditioned-medium source: preset emphasis of the effects (see treatment.*)")                   \
    X(open_hours, "open_hours", REAL, "h", 24, 0, 720, "",                                                       \
      "Microneedling: how long the channels stay open to topical products")

/* clang-format off */
static const struct derm_param_desc sched_keys[] = {
#define X(member, key_, type_, units_, def_, lo_, hi_, choices_, doc_)                         \
    {.path = key_, .type = DERM_PT_##type_, .units = units_, .def = (double)(def_),           \
     .lo = (double)(lo_), .hi = (double)(hi_), .choices = choices_, .doc = doc_,              \
     .offset = offsetof(struct derm_schedule_entry, member)},
    DERM_SCHED_KEYS(X)
#undef X
};
/* clang-format on */
#define NKEYS (sizeof sched_keys / sizeof sched_keys[0])
_Static_assert(NKEYS == DERM_SCHED_NKEYS, "DERM_SCHED_NKEYS must count the keys of DERM_SCHED_KEYS");

size_t derm_schedule_key_count(void) { return NKEYS; }
const struct derm_param_desc *derm_schedule_keys(void) { return sched_keys; }

const struct derm_param_desc *derm_schedule_key_find(const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(sched_keys[i].path, key)) return &sched_keys[i];
    return NULL;
}

static const char *const input_names[DERM_IN_COUNT] = {
    "uv",      "sunscreen",          "glucose",       "smoking",      "pollution",
    "exosome", "conditioned_medium", "growth_factor", "microneedling"};

const char *derm_schedule_input_name(int input)
{
    return input >= 0 && input < DERM_IN_COUNT ? input_names[input] : "?";
}

static int is_level_input(int in)
{
    return in == DERM_IN_SUNSCREEN || in == DERM_IN_GLUCOSE || in == DERM_IN_SMOKING || in == DERM_IN_POLLUTION;
}

void derm_schedule_entry_defaults(struct derm_schedule_entry *e, const char *name)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name ? name : "");
    for (size_t i = 0; i < NKEYS; i++) derm_desc_store(e, &sched_keys[i], sched_keys[i].def);
}

static int entry_index(const struct derm_schedule *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].name, name)) return i;
    return -1;
}

struct derm_schedule_entry *derm_schedule_find(struct derm_schedule *s, const char *name)
{
    const int i = entry_index(s, name);
    return i >= 0 ? &s->e[i] : NULL;
}

/* "schedule.NAME.KEY": NAME into nm (DERM_SCHED_NAME_MAX bytes) and KEY returned; NULL if
 * path is not of that form. */
static const char *split_key_path(const char *path, char *nm)
{
    if (strncmp(path, "schedule.", 9) != 0) return NULL;
    const char *name = path + 9, *dot = strrchr(name, '.');
    if (!dot || dot == name || (size_t)(dot - name) >= DERM_SCHED_NAME_MAX) return NULL;
    memcpy(nm, name, (size_t)(dot - name));
    nm[dot - name] = '\0';
    return dot + 1;
}

int derm_schedule_format_key(const struct derm_schedule *s, const char *path, char *buf, size_t n)
{
    char nm[DERM_SCHED_NAME_MAX];
    if (n) buf[0] = '\0';
    const char *key = split_key_path(path, nm);
    const int i = key ? entry_index(s, nm) : -1;
    const struct derm_param_desc *d = i >= 0 ? derm_schedule_key_find(key) : NULL;
    if (!d) return 0;
    derm_desc_format(&s->e[i], d, buf, n);
    return 1;
}

static int valid_name(const char *n)
{
    if (!*n || strlen(n) >= DERM_SCHED_NAME_MAX) return 0;
    for (const char *c = n; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_' ||
              *c == '-'))
            return 0;
    return 1;
}

derm_status derm_schedule_add(struct derm_schedule *s, const char *name, const char *where, unsigned long line,
                              unsigned long col, struct derm_schedule_entry **out, struct derm_err *err)
{
    if (!valid_name(name))
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry name '%.60s' is not valid; expected 1-%d letters, digits, '_' or '-'",
                            where, name, DERM_SCHED_NAME_MAX - 1);
    struct derm_schedule_entry *old = derm_schedule_find(s, name);
    if (old)
        return derm_err_set(err, DERM_ECONFIG, "%s: duplicate schedule entry '%s'; first defined at line %lu", where,
                            name, old->line);
    if (s->n >= DERM_SCHED_MAX)
        return derm_err_set(err, DERM_ECONFIG, "%s: schedule entry '%s': too many entries; expected at most %d", where,
                            name, DERM_SCHED_MAX);
    struct derm_schedule_entry *e = &s->e[s->n++];
    derm_schedule_entry_defaults(e, name);
    e->line = line;
    e->col = col;
    *out = e;
    return DERM_OK;
}

const char *derm_schedule_dose_units(int input, int dose_unit)
{
    /* the inputs with two units: native, the other (dose_unit), both (dose_unit not yet read) */
    static const char *const uv[3] = {"SED per active day", "MED per active day",
                                      "SED (or MED, dose_unit: med) per active day"};
    static const char *const glucose[3] = {"mM plasma glucose", "% HbA1c",
                                           "mM plasma glucose (or % HbA1c, dose_unit: hba1c)"};
    switch (input) {
    case DERM_IN_UV:
        return uv[dose_unit < 0 ? 2 : dose_unit == DERM_UNIT_MED];
    case DERM_IN_SUNSCREEN:
        return "(effective SPF)";
    case DERM_IN_GLUCOSE:
        return glucose[dose_unit < 0 ? 2 : dose_unit == DERM_UNIT_HBA1C];
    case DERM_IN_SMOKING:
        return "cigarettes per day";
    case DERM_IN_POLLUTION:
        return "(pollution index, 1 = typical urban air)";
    case DERM_IN_EXOSOME:
    case DERM_IN_CONDITIONED_MEDIUM:
    case DERM_IN_GROWTH_FACTOR:
        return "au per administration (1 = one standard dose)";
    case DERM_IN_MICRONEEDLING:
        return "sessions (1 = one standard session)";
    default:
        return "in the units of the entry's input";
    }
}

/* The dose's unit for a message while the entry is being read: dose_unit may follow the dose. */
static const char *dose_units_so_far(const struct derm_schedule_entry *e)
{
    const struct derm_param_desc *u = derm_schedule_key_find("dose_unit");
    const int unit_given = u && (e->given >> (size_t)(u - sched_keys) & 1u);
    return derm_schedule_dose_units(e->has_input ? e->input : -1, unit_given ? e->dose_unit : -1);
}

derm_status derm_schedule_entry_set(struct derm_schedule_entry *e, const char *key, const char *text, const char *where,
                                    struct derm_err *err)
{
    char path[160];
    snprintf(path, sizeof path, "schedule.%s.%s", e->name, key);
    const struct derm_param_desc *d = derm_schedule_key_find(key);
    if (!d) {
        const char *names[NKEYS];
        for (size_t i = 0; i < NKEYS; i++) names[i] = sched_keys[i].path;
        const char *best = derm_desc_suggest_word(key, names, NKEYS);
        if (best)
            return derm_err_set(err, DERM_ECONFIG, "%s: unknown key '%s'; did you mean 'schedule.%s.%s'?", where, path,
                                e->name, best);
        return derm_err_set(
            err, DERM_ECONFIG,
            "%s: unknown key '%s'; expected one of: input, dose, dose_unit, from_age, to_age, "
            "at_age, hour, duration_days, count, every_days, hour_from, hour_to, days_per_week, first_weekday, "
            "season_amplitude, peak_day, spectrum, uva_uvb_ratio, route, depth_um, spread_um, "
            "penetration_um, source, open_hours",
            where, path);
    }
    struct derm_param_desc named = *d;
    named.path = path;
    if (d->offset == offsetof(struct derm_schedule_entry, dose)) /* the entry's own unit, if its input is known */
        named.units = dose_units_so_far(e);
    DERM_TRY(derm_desc_set_text(e, &named, text, where, err));
    if (d->offset == offsetof(struct derm_schedule_entry, input)) e->has_input = 1;
    const size_t k = (size_t)(d - sched_keys);
    e->given |= 1u << k;
    /* where = "FILE:LINE:COL" (from a file) or "--set": keep the key's line and column */
    unsigned long ln = 0, cl = 0;
    const char *c2 = strrchr(where, ':');
    if (c2 && c2 > where) {
        const char *c1 = c2 - 1;
        while (c1 > where && *c1 != ':') c1--;
        if (*c1 == ':' && sscanf(c1, ":%lu:%lu", &ln, &cl) != 2) ln = cl = 0;
    }
    e->key_line[k] = ln;
    e->key_col[k] = cl;
    return DERM_OK;
}

derm_status derm_schedule_apply_set(struct derm_schedule *s, const char *path, const char *text, struct derm_err *err)
{
    char nm[DERM_SCHED_NAME_MAX];
    const char *key = split_key_path(path, nm);
    if (!key)
        return derm_err_set(err, DERM_ECONFIG, "--set: '%.80s' is not a schedule key; expected schedule.NAME.KEY=value",
                            path);
    struct derm_schedule_entry *e = derm_schedule_find(s, nm);
    if (!e) {
        if (strcmp(key, "input") != 0) {
            char list[400] = "";
            for (int i = 0; i < s->n && strlen(list) < 300; i++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", s->e[i].name);
            return derm_err_set(err, DERM_ECONFIG,
                                "--set: no schedule entry '%s' (entries: %s); expected an existing entry, or "
                                "schedule.%s.input=... to add one",
                                nm, *list ? list : "none", nm);
        }
        DERM_TRY(derm_schedule_add(s, nm, "--set", 0, 0, &e, err));
    }
    DERM_TRY(derm_schedule_entry_set(e, key, text, "--set", err));
    const struct derm_param_desc *d = derm_schedule_key_find(key); /* known: the set succeeded */
    const size_t k = (size_t)(d - sched_keys);
    e->set_value_len[k] = 0; /* this option's value is recorded below if it fits */
    /* the validation's messages name them (derm_schedule_validate), "..." past the room */
    const size_t used = strlen(e->set_arg), room = sizeof e->set_arg;
    const int full = used >= 3 && !strcmp(e->set_arg + used - 3, "...");
    if (!full) {
        char one[400];
        snprintf(one, sizeof one, "%s'%s=%s'", used ? ", " : "--set ", path, text);
        const char *more = used ? ", ..." : "--set ...";
        if (used + strlen(one) < room) {
            snprintf(e->set_arg + used, room - used, "%s", one);
            /* where its value sits: the messages quote it as typed (check_inert_keys) */
            e->set_value_off[k] = (uint8_t)(used + strlen(one) - 1 - strlen(text));
            e->set_value_len[k] = (uint8_t)(strlen(text) < 255 ? strlen(text) : 0);
        } else if (used + strlen(more) < room) {
            snprintf(e->set_arg + used, room - used, "%s", more);
        } else { /* no room for ", ...": "..." after the last one, or over its end */
            const size_t at = used + 3 < room ? used : room - 4;
            snprintf(e->set_arg + at, room - at, "...");
            for (size_t j = 0; j < NKEYS; j++) /* a value the mark overwrote is no longer as typed */
                if (e->set_value_len[j] && (size_t)e->set_value_off[j] + e->set_value_len[j] > at)
                    e->set_value_len[j] = 0;
        }
    }
    return DERM_OK;
}

/* ---- validation ------------------------------------------------------------------------ */

static int given(double age) { return age >= 0.0; }

static double admin_time(const struct derm_schedule_entry *e, int64_t k);

/* The entry's overall active span [a, b) in years (b may be +inf). */
static void span_years(const struct derm_schedule_entry *e, double run_start, double run_end, double *a, double *b)
{
    if (given(e->at_age)) { /* the administrations' own times: `hour` moves them within their day */
        *a = admin_time(e, 0) / HOURS_PER_YEAR;
        double last = admin_time(e, e->count - 1) / HOURS_PER_YEAR;
        *b = last + (e->duration_days > 0 ? e->duration_days : 1e-9) / DAYS_PER_YEAR;
    } else {
        *a = given(e->from_age) ? e->from_age : run_start;
        *b = given(e->to_age) ? e->to_age : run_end;
    }
}

/* When the entry acts: a course or a period inside the run, windows that make sense. */
static derm_status check_timing(const struct derm_schedule_entry *e, const char *f, double age_start, double age_end,
                                struct derm_err *err)
{
    const char *nm = e->name;
    const int in = e->input;
    if (given(e->at_age) && (given(e->from_age) || given(e->to_age)))
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': at_age (a course) and "
                            "from_age/to_age (a continuous period) both given; expected one of the two",
                            f, nm);
    double a, b;
    span_years(e, age_start, age_end, &a, &b);
    if (given(e->at_age) && e->hour >= 0.0 && (a < age_start - 1e-9 || a >= age_end))
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': key 'schedule.%s.hour': hour %g of the day of age %g puts the "
                            "first administration at age %.6f, outside the run (%g to %g y); expected at_age on a "
                            "day that starts inside the run",
                            f, nm, nm, e->hour, e->at_age, a, age_start, age_end);
    if (a < age_start - 1e-9 || a >= age_end)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': starts at age %g, outside the run "
                            "(%g to %g y); expected a start age in [%g, %g)",
                            f, nm, a, age_start, age_end, age_start, age_end);
    if (given(e->to_age) && !(e->to_age > a))
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': to_age %g is not after the start "
                            "(%g); expected to_age > from_age",
                            f, nm, e->to_age, a);
    if (given(e->to_age) && e->to_age > age_end + 1e-9)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': to_age %g is after the end of the "
                            "run (%g y); expected to_age <= %g",
                            f, nm, e->to_age, age_end, age_end);
    if (given(e->at_age) && b > age_end + 1e-9)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': the course ends at age %.4g, after "
                            "the end of the run (%g y); expected fewer administrations, a shorter interval or a "
                            "later run end",
                            f, nm, b, age_end);
    if (e->count > 1 && !(e->every_days > 0))
        return derm_err_set(err, DERM_ECONFIG, "%s: schedule entry '%s': count %lld needs every_days > 0", f, nm,
                            (long long)e->count);
    if (e->count > 1 && e->duration_days > e->every_days)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': episodes of %g days overlap when "
                            "given every %g days; expected duration_days <= every_days",
                            f, nm, e->duration_days, e->every_days);
    if (!(e->hour_to > e->hour_from))
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': daily window %g-%g h is empty; "
                            "expected hour_from < hour_to",
                            f, nm, e->hour_from, e->hour_to);
    const int continuous = !given(e->at_age) || e->duration_days > 0;
    if (!continuous && (is_level_input(in) || in == DERM_IN_UV))
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': %s acts over time; a single "
                            "administration needs duration_days > 0 (or use from_age/to_age)",
                            f, nm, derm_schedule_input_name(in));
    return DERM_OK;
}

/* The dose and its unit for the entry's input. */
static derm_status check_dose(const struct derm_schedule_entry *e, const char *f, struct derm_err *err)
{
    const char *nm = e->name;
    const int in = e->input;
    const int continuous = !given(e->at_age) || e->duration_days > 0;
    if (in == DERM_IN_SUNSCREEN && e->dose < 1.0)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': key 'schedule.%s.dose': SPF %g is "
                            "below 1; expected an effective SPF >= 1",
                            f, nm, nm, e->dose);
    if (in == DERM_IN_GLUCOSE) {
        double mM = e->dose_unit == DERM_UNIT_HBA1C ? DERM_ADAG_SLOPE_MM * e->dose - DERM_ADAG_OFFSET_MM : e->dose;
        if (mM < 2.0 || mM > 40.0)
            return derm_err_set(err, DERM_ECONFIG,
                                "%s: schedule entry '%s': key 'schedule.%s.dose': glucose "
                                "%g mM is implausible; expected 2-40 mM (HbA1c 3-26 %%)",
                                f, nm, nm, mM);
    }
    if (e->dose_unit == DERM_UNIT_MED && in != DERM_IN_UV)
        return derm_err_set(err, DERM_ECONFIG, "%s: schedule entry '%s': dose_unit med applies to uv only", f, nm);
    if (e->dose_unit == DERM_UNIT_HBA1C && in != DERM_IN_GLUCOSE)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': dose_unit hba1c applies to "
                            "glucose only",
                            f, nm);
    if (in == DERM_IN_MICRONEEDLING && continuous)
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': microneedling is given in "
                            "sessions; expected at_age (with count and every_days) and no duration_days",
                            f, nm);
    return DERM_OK;
}

typedef void (*piece_fn)(double u, double v, void *ctx);
static void on_pieces(const struct derm_schedule_entry *e, double run_end_h, double a, double b, piece_fn fn,
                      void *ctx);

/* The first moment two entries are active together: their active pieces (episodes cut to
 * their daily windows and days of the week, on_pieces) crossed. */
struct together {
    const struct derm_schedule_entry *inner;
    double run_end_h, first; /* first: h, +inf while none */
};

static void together_inner(double u, double v, void *ctx)
{
    struct together *T = ctx;
    if (v > u && u < T->first) T->first = u;
}

static void together_outer(double u, double v, void *ctx)
{
    struct together *T = ctx;
    if (v > u && u < T->first) on_pieces(T->inner, T->run_end_h, u, v < T->first ? v : T->first, together_inner, T);
}

/* Level inputs: two entries of the same input must not hold a level at the same time (their
 * whole spans may cross: weekday and weekend smoking, holidays between working days). */
static derm_status check_overlap(const struct derm_schedule *s, int i, const char *f, double age_start, double age_end,
                                 struct derm_err *err)
{
    const struct derm_schedule_entry *e = &s->e[i];
    const char *nm = e->name;
    const int in = e->input;
    if (!is_level_input(in)) return DERM_OK;
    double a, b;
    span_years(e, age_start, age_end, &a, &b);
    for (int j = 0; j < i; j++) {
        const struct derm_schedule_entry *o = &s->e[j];
        if (o->input != in) continue;
        double oa, ob;
        span_years(o, age_start, age_end, &oa, &ob);
        if (!(a < ob && oa < b)) continue;
        struct together T = {o, age_end * HOURS_PER_YEAR, INFINITY};
        const double lo = (a > oa ? a : oa) * HOURS_PER_YEAR, hi = (b < ob ? b : ob) * HOURS_PER_YEAR;
        on_pieces(e, T.run_end_h, lo, hi, together_outer, &T);
        if (T.first < INFINITY)
            return derm_err_set(err, DERM_ECONFIG,
                                "%s: schedule entries '%s' and '%s' (line %lu) both "
                                "set %s at age %.6g; expected non-overlapping periods for a level input",
                                f, nm, o->name, o->line, derm_schedule_input_name(in), T.first / HOURS_PER_YEAR);
    }
    return DERM_OK;
}

static int is_treatment(int in)
{
    return in == DERM_IN_EXOSOME || in == DERM_IN_CONDITIONED_MEDIUM || in == DERM_IN_GROWTH_FACTOR;
}

/* Why key `key` does nothing for this entry (its input or timing form), or NULL if it acts. */
static const char *inert_reason(const struct derm_schedule_entry *e, const char *key)
{
    const int in = e->input, course = given(e->at_age), instant = course && !(e->duration_days > 0);
    if (!strcmp(key, "at_age") || !strcmp(key, "from_age") || !strcmp(key, "to_age") || !strcmp(key, "input") ||
        !strcmp(key, "dose") || !strcmp(key, "dose_unit"))
        return NULL; /* checked with the timing and the dose */
    if ((!strcmp(key, "count") || !strcmp(key, "every_days") || !strcmp(key, "duration_days") ||
         !strcmp(key, "hour")) &&
        !course)
        return "it shapes a course (at_age), and this entry is a continuous period (from_age/to_age)";
    if (!strcmp(key, "hour") && !instant) return "it times instantaneous administrations; use hour_from/hour_to";
    if ((!strcmp(key, "hour_from") || !strcmp(key, "hour_to") || !strcmp(key, "days_per_week") ||
         !strcmp(key, "first_weekday")) &&
        instant)
        return "it shapes delivery over time, and this course's administrations are instantaneous";
    if (in == DERM_IN_MICRONEEDLING &&
        (!strcmp(key, "season_amplitude") || !strcmp(key, "peak_day") || !strcmp(key, "duration_days") ||
         !strcmp(key, "hour_from") || !strcmp(key, "hour_to") || !strcmp(key, "days_per_week") ||
         !strcmp(key, "first_weekday")))
        return "microneedling is a procedure at the course's times (at_age, count, every_days, hour); its channels "
               "stay open for open_hours";
    if ((!strcmp(key, "season_amplitude") || !strcmp(key, "peak_day")) && is_level_input(in))
        return "a level input holds its level; seasons apply to doses (uv and treatments)";
    if ((!strcmp(key, "spectrum") || !strcmp(key, "uva_uvb_ratio")) && in != DERM_IN_UV) return "it applies to uv";
    if (!strcmp(key, "uva_uvb_ratio") && e->spectrum != DERM_SPECTRUM_SUN) return "it applies to spectrum sun";
    if (!strcmp(key, "route") && !is_treatment(in))
        return "it applies to exosome, conditioned_medium and growth_factor";
    if (!strcmp(key, "depth_um") && !(is_treatment(in) && e->route == DERM_ROUTE_INTRADERMAL) &&
        in != DERM_IN_MICRONEEDLING)
        return "it applies to intradermal treatments and microneedling";
    if (!strcmp(key, "spread_um") && !(is_treatment(in) && e->route == DERM_ROUTE_INTRADERMAL))
        return "it applies to intradermal treatments";
    if (!strcmp(key, "penetration_um") && !(is_treatment(in) && e->route == DERM_ROUTE_TOPICAL))
        return "it applies to topical treatments";
    if (!strcmp(key, "source") && in != DERM_IN_EXOSOME && in != DERM_IN_CONDITIONED_MEDIUM)
        return "it applies to exosome and conditioned_medium";
    if (!strcmp(key, "open_hours") && in != DERM_IN_MICRONEEDLING) return "it applies to microneedling";
    return NULL;
}

/* Keys given to an entry that would do nothing: an error, never silently ignored. */
static derm_status check_inert_keys(const struct derm_schedule_entry *e, const char *file, struct derm_err *err)
{
    for (size_t k = 0; k < NKEYS; k++) {
        if (!(e->given & (1u << k))) continue;
        const char *why = inert_reason(e, sched_keys[k].path);
        if (!why) continue;
        char at[300];
        if (e->key_line[k]) {
            snprintf(at, sizeof at, "%s:%lu:%lu", file, e->key_line[k], e->key_col[k]);
        } else { /* given by --set: its last option's value as typed (recorded in set_arg), else as resolved */
            char v[64];
            if (e->set_value_len[k] && e->set_value_len[k] < sizeof v)
                snprintf(v, sizeof v, "%.*s", (int)e->set_value_len[k], e->set_arg + e->set_value_off[k]);
            else
                derm_desc_format(e, &sched_keys[k], v, sizeof v);
            snprintf(at, sizeof at, "--set 'schedule.%s.%s=%s'", e->name, sched_keys[k].path, v);
        }
        return derm_err_set(err, DERM_ECONFIG,
                            "%s: schedule entry '%s': key 'schedule.%s.%s' does nothing for input %s: %s; expected "
                            "it removed",
                            at, e->name, e->name, sched_keys[k].path, derm_schedule_input_name(e->input), why);
    }
    return DERM_OK;
}

int derm_schedule_has_uv(const struct derm_schedule *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->e[i].input == DERM_IN_UV && s->e[i].dose > 0.0) return 1;
    return 0;
}

derm_status derm_schedule_validate(const struct derm_schedule *s, double age_start, double age_end,
                                   struct derm_err *err)
{
    const char *file = s->file[0] ? s->file : "config";
    for (int i = 0; i < s->n; i++) {
        const struct derm_schedule_entry *e = &s->e[i];
        /* "FILE:LINE:COL" of the entry, and the --set options that changed it (they alone
         * for an entry the command line made) */
        char f[300];
        if (e->line && e->set_arg[0])
            snprintf(f, sizeof f, "%s:%lu:%lu (with %s)", file, e->line, e->col, e->set_arg);
        else if (e->line)
            snprintf(f, sizeof f, "%s:%lu:%lu", file, e->line, e->col);
        else
            snprintf(f, sizeof f, "%s", e->set_arg[0] ? e->set_arg : "--set");
        if (!e->has_input)
            return derm_err_set(err, DERM_ECONFIG,
                                "%s: schedule entry '%s' has no input; expected 'input: "
                                "<one of uv, sunscreen, glucose, smoking, pollution, exosome, conditioned_medium, "
                                "growth_factor, microneedling>'",
                                f, e->name);
        DERM_TRY(check_inert_keys(e, file, err)); /* first: a key that cannot act is the error */
        DERM_TRY(check_timing(e, f, age_start, age_end, err));
        DERM_TRY(check_dose(e, f, err));
        DERM_TRY(check_overlap(s, i, f, age_start, age_end, err));
    }
    return DERM_OK;
}

/* ---- integration ------------------------------------------------------------------------ */

/* Integral of the seasonal factor 1 + A cos(theta(t)), theta = 2 pi (t/24 - peak)/365.25,
 * over [u, v) in hours. */
static double season_integral(const struct derm_schedule_entry *e, double u, double v)
{
    double A = e->season_amplitude;
    if (A == 0.0) return v - u;
    const double w = TWO_PI / (24.0 * DAYS_PER_YEAR);
    double ph = TWO_PI * e->peak_day / DAYS_PER_YEAR;
    return (v - u) + A / w * (sin(w * v - ph) - sin(w * u - ph));
}

static double season_at(const struct derm_schedule_entry *e, double t)
{
    return 1.0 + e->season_amplitude * cos(TWO_PI * (t / 24.0 - e->peak_day) / DAYS_PER_YEAR);
}

/* Start time (h) of administration k of a course. */
static double admin_time(const struct derm_schedule_entry *e, int64_t k)
{
    double t = e->at_age * HOURS_PER_YEAR;
    if (e->hour >= 0.0) t = floor(t / 24.0) * 24.0 + e->hour;
    return t + (double)k * e->every_days * 24.0;
}

/* Call fn on every piece of [a, b) where the (continuous) entry is active: its episodes,
 * cut to the daily window on active days. */
static void on_pieces(const struct derm_schedule_entry *e, double run_end_h, double a, double b, piece_fn fn, void *ctx)
{
    int64_t n_ep = given(e->at_age) ? e->count : 1;
    const int full_day = e->hour_from <= 0.0 && e->hour_to >= 24.0 && e->days_per_week >= 7;
    int64_t k = 0;
    if (given(e->at_age) && e->every_days > 0.0 && n_ep > 1) {
        /* the episodes that end before a, less one for rounding, skipped without a look */
        const double x = floor((a - admin_time(e, 0) - e->duration_days * 24.0) / (e->every_days * 24.0)) - 1.0;
        if (x > 0.0) k = x < (double)n_ep ? (int64_t)x : n_ep;
    }
    for (; k < n_ep; k++) {
        double s0, s1;
        if (given(e->at_age)) {
            s0 = admin_time(e, k);
            s1 = s0 + e->duration_days * 24.0;
        } else {
            s0 = given(e->from_age) ? e->from_age * HOURS_PER_YEAR : -1e300;
            s1 = given(e->to_age) ? e->to_age * HOURS_PER_YEAR : run_end_h + 1e9;
        }
        if (s1 <= a) continue;
        if (s0 >= b) break;
        double lo = s0 > a ? s0 : a, hi = s1 < b ? s1 : b;
        if (full_day) {
            fn(lo, hi, ctx);
            continue;
        }
        for (double day = floor(lo / 24.0); day * 24.0 < hi; day += 1.0) {
            int64_t wd = ((int64_t)fmod(day, 7.0) - e->first_weekday) % 7;
            if (wd < 0) wd += 7;
            if (wd >= e->days_per_week) continue;
            double u = day * 24.0 + e->hour_from, v = day * 24.0 + e->hour_to;
            if (u < lo) u = lo;
            if (v > hi) v = hi;
            if (v > u) fn(u, v, ctx);
        }
    }
}

/* Amount per hour while active, before the seasonal factor. */
static double rate_per_h(const struct derm_schedule_entry *e, double dose)
{
    return dose / (e->hour_to - e->hour_from);
}

struct acc {
    const struct derm_schedule_entry *e;
    double sum;
};

static void acc_season(double u, double v, void *ctx)
{
    struct acc *A = ctx;
    A->sum += season_integral(A->e, u, v);
}

static void acc_time(double u, double v, void *ctx) { ((struct acc *)ctx)->sum += v - u; }

/* Overlap of an entry's active pieces with the pieces of another: nested enumeration. */
struct cross {
    const struct derm_schedule_entry *outer, *inner;
    double run_end_h, sum; /* sum of season_integral(outer) over the overlap */
};

static void cross_inner(double u, double v, void *ctx)
{
    struct cross *C = ctx;
    C->sum += season_integral(C->outer, u, v);
}

static void cross_outer(double u, double v, void *ctx)
{
    struct cross *C = ctx;
    on_pieces(C->inner, C->run_end_h, u, v, cross_inner, C);
}

static double overlap_season(const struct derm_schedule_entry *outer, const struct derm_schedule_entry *inner,
                             double run_end_h, double a, double b)
{
    struct cross C = {outer, inner, run_end_h, 0.0};
    on_pieces(outer, run_end_h, a, b, cross_outer, &C);
    return C.sum;
}

/* 1 if the entry opens microneedling channels: a session of dose 0 is no session. */
static int opens_channels(const struct derm_schedule_entry *m)
{
    return m->input == DERM_IN_MICRONEEDLING && m->dose > 0.0;
}

static int open_at(const struct derm_schedule *s, double t, double *depth)
{
    int open = 0;
    for (int j = 0; j < s->n; j++) {
        const struct derm_schedule_entry *m = &s->e[j];
        if (!opens_channels(m)) continue;
        for (int64_t k = 0; k < m->count; k++) {
            double t0 = admin_time(m, k);
            if (t >= t0 && t < t0 + m->open_hours) {
                open = 1;
                if (m->depth_um > *depth) *depth = m->depth_um;
            }
        }
    }
    return open;
}

/* UV of a continuous entry over [t0, t1): sunscreen divides it while worn (subtracting
 * (1 - 1/SPF) of the overlap), then the UVA and UVB erythemal shares. */
static void integrate_uv(const struct derm_schedule *s, const struct derm_schedule_consts *kc,
                         const struct derm_schedule_entry *e, int i, double dose, double amount, double run_end,
                         double t0, double t1, struct derm_exposure *x)
{
    double protected_amount = amount;
    for (int j = 0; j < s->n; j++) {
        const struct derm_schedule_entry *ss = &s->e[j];
        if (ss->input != DERM_IN_SUNSCREEN || !(ss->dose >= 1.0)) continue;
        protected_amount -= rate_per_h(e, dose) * overlap_season(e, ss, run_end, t0, t1) * (1.0 - 1.0 / ss->dose);
    }
    if (protected_amount < 0.0) protected_amount = 0.0;
    x->uv_sed_unprotected += amount;
    x->dose[i] = protected_amount;
    double share_a;
    if (e->spectrum == DERM_SPECTRUM_UVA)
        share_a = 1.0;
    else if (e->spectrum == DERM_SPECTRUM_UVB)
        share_a = 0.0;
    else {
        /* erythemal share of UVA scales with the physical ratio (relative to the reference) */
        double q =
            kc->uva_erythemal_share / (1.0 - kc->uva_erythemal_share) * e->uva_uvb_ratio / kc->reference_uva_uvb_ratio;
        share_a = q / (1.0 + q);
    }
    x->uva_sed += protected_amount * share_a;
    x->uvb_sed += protected_amount * (1.0 - share_a);
}

/* The part of a continuous topical entry applied while microneedling channels are open
 * (it goes deeper). */
static void integrate_open(const struct derm_schedule *s, const struct derm_schedule_entry *e, int i, double dose,
                           double amount, double run_end, double t0, double t1, struct derm_exposure *x)
{
    for (int j = 0; j < s->n; j++) {
        const struct derm_schedule_entry *m = &s->e[j];
        if (!opens_channels(m)) continue;
        struct derm_schedule_entry win = *m; /* the open windows as a course of episodes */
        win.duration_days = m->open_hours / 24.0;
        win.hour_from = 0.0, win.hour_to = 24.0, win.days_per_week = 7, win.season_amplitude = 0.0;
        x->dose_open[i] += rate_per_h(e, dose) * overlap_season(e, &win, run_end, t0, t1);
    }
    if (x->dose_open[i] > amount) x->dose_open[i] = amount;
}

void derm_schedule_integrate(const struct derm_schedule *s, const struct derm_schedule_consts *kc, double t0, double t1,
                             struct derm_exposure *x)
{
    memset(x, 0, sizeof *x);
    const double dt = t1 - t0, run_end = t1; /* open-ended periods extend past any step */
    double glucose = kc->glucose_mM * dt, cig = 0.0, pol = 0.0;
    for (int i = 0; i < s->n; i++) {
        const struct derm_schedule_entry *e = &s->e[i];
        const int continuous = !given(e->at_age) || e->duration_days > 0;
        double dose = e->dose;
        if (e->dose_unit == DERM_UNIT_MED) dose *= kc->med_sed;
        if (e->dose_unit == DERM_UNIT_HBA1C) dose = DERM_ADAG_SLOPE_MM * dose - DERM_ADAG_OFFSET_MM;
        if (is_level_input(e->input)) {
            struct acc A = {e, 0.0};
            on_pieces(e, run_end, t0, t1, acc_time, &A);
            if (e->input == DERM_IN_GLUCOSE) glucose += (dose - kc->glucose_mM) * A.sum;
            if (e->input == DERM_IN_SMOKING) cig += dose * A.sum;
            if (e->input == DERM_IN_POLLUTION) pol += dose * A.sum;
            continue;
        }
        if (e->input == DERM_IN_MICRONEEDLING) {
            for (int64_t k = 0; k < e->count; k++) {
                double t = admin_time(e, k);
                if (t >= t0 && t < t1) {
                    x->dose[i] += dose;
                    x->dose_time[i] += dose * (t - t0);
                }
                if (opens_channels(e) && t < t1 && t + e->open_hours > t0 && e->depth_um > x->open_depth_um)
                    x->open_depth_um = e->depth_um;
            }
            continue;
        }
        if (continuous) {
            struct acc A = {e, 0.0};
            on_pieces(e, run_end, t0, t1, acc_season, &A);
            double amount = rate_per_h(e, dose) * A.sum;
            x->dose[i] = amount;
            if (e->input == DERM_IN_UV)
                integrate_uv(s, kc, e, i, dose, amount, run_end, t0, t1, x);
            else if (e->route == DERM_ROUTE_TOPICAL)
                integrate_open(s, e, i, dose, amount, run_end, t0, t1, x);
            continue;
        }
        /* a course of instantaneous administrations */
        for (int64_t k = 0; k < e->count; k++) {
            double t = admin_time(e, k);
            if (t < t0) continue;
            if (t >= t1) break;
            double a = dose * season_at(e, t);
            x->dose[i] += a;
            x->dose_time[i] += a * (t - t0);
            double depth = 0.0;
            if (e->route == DERM_ROUTE_TOPICAL && open_at(s, t, &depth)) x->dose_open[i] += a;
        }
    }
    x->glucose_mM = glucose / dt;
    x->cigarettes_per_day = cig / dt;
    x->pollution = pol / dt;
}

/* ---- rendering --------------------------------------------------------------------------- */

void derm_schedule_write_yaml(const struct derm_schedule *s, FILE *fp)
{
    if (s->n == 0) return;
    fprintf(fp, "schedule:\n");
    for (int i = 0; i < s->n; i++) {
        const struct derm_schedule_entry *e = &s->e[i];
        fprintf(fp, "  %s:\n", e->name);
        for (size_t k = 0; k < NKEYS; k++) {
            const struct derm_param_desc *d = &sched_keys[k];
            double v = derm_desc_get(e, d);
            if (d->type == DERM_PT_REAL && v < 0.0) continue; /* an age or hour not given */
            if (inert_reason(e, d->path)) continue;           /* keys that act, so it reloads */
            char buf[64];
            derm_desc_format(e, d, buf, sizeof buf);
            int pad = 28 - (int)(strlen(d->path) + strlen(buf));
            fprintf(fp, "    %s: %s%*s# %s\n", d->path, buf, pad > 1 ? pad : 1, "", d->units);
        }
    }
}

/* The dose's doc in the listing: what a unit dose is, then the units by input as
 * derm_schedule_dose_units gives them ("input: unit", and "input/dose_unit: unit" for each
 * dose_unit that changes it; analysis/dermsim_sweep.py reads them from docs/PARAMETERS.md). */
static const char *dose_doc(char *buf, size_t n)
{
    const struct derm_param_desc *du = derm_schedule_key_find("dose_unit");
    struct derm_schedule_entry e;
    size_t m = (size_t)snprintf(buf, n,
                                "An effective SPF is >= 1; pollution index 1: PM2.5 ~20 ug/m^3; one standard dose of a "
                                "treatment: see treatment.*; "
                                "one standard microneedling session wounds wound.microneedling_fraction of the needled "
                                "depth. Units by input:");
    for (int in = 0; in < DERM_IN_COUNT && m < n; in++) {
        const char *native = derm_schedule_dose_units(in, DERM_UNIT_NATIVE);
        m += (size_t)snprintf(buf + m, n - m, "%s %s: %s", in ? ";" : "", derm_schedule_input_name(in), native);
        for (int u = 0; u <= (int)du->hi && m < n; u++) {
            const char *other = derm_schedule_dose_units(in, u);
            if (!strcmp(other, native)) continue;
            char name[32];
            e.dose_unit = u;
            derm_desc_format(&e, du, name, sizeof name); /* the choice's name */
            m += (size_t)snprintf(buf + m, n - m, "; %s/%s: %s", derm_schedule_input_name(in), name, other);
        }
    }
    return buf;
}

void derm_schedule_print_keys(FILE *fp)
{
    fprintf(fp, "\n[schedule]\n");
    print_note(fp);
    struct derm_schedule_entry e;
    derm_schedule_entry_defaults(&e, "NAME");
    for (size_t k = 0; k < NKEYS; k++) {
        char path[96], doc[1024];
        struct derm_param_desc d = sched_keys[k];
        snprintf(path, sizeof path, "schedule.NAME.%s", d.path);
        if (!strcmp(d.path, "dose")) d.doc = dose_doc(doc, sizeof doc);
        derm_desc_print(fp, &e, &d, path);
    }
}
