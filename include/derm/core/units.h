/* units.h - the unit conventions shared by every module.
 *
 * Inside the model time is in hours, lengths in um, subject ages in years; one year is
 * 365.25 days (8766 h). Matrix in mg/mL, signals in au (1 = young-adult mean level).
 */
#ifndef DERM_CORE_UNITS_H
#define DERM_CORE_UNITS_H

#define DERM_HOURS_PER_YEAR 8766.0
#define DERM_HOURS_PER_DAY 24.0
#define DERM_LN2 0.6931471805599453
#define DERM_CIGARETTES_PER_PACK 20.0 /* pack-years: packs of 20 per day x years */

#endif
