/* totals.c - registry lookups for the scalar time series (names, units, long names). */
#include "derm/sim/totals.h"

#include <stddef.h>

static const struct derm_total_desc total_table[DERM_NTOTALS] = {
#define DERM_X_T(id, name, units, ln) {name, units, ln},
    DERM_TOTALS(DERM_X_T)
#undef DERM_X_T
};

const struct derm_total_desc *derm_total_desc(int t)
{
    if (t < 0 || t >= DERM_NTOTALS) return NULL;
    return &total_table[t];
}
