/* The per-rank counters; see counters.h. Local. */
#include "obs/counters.h"

sl_counters sl_ctr;
