/*
 * core.h: the pure domain (second layer, docs/architecture.md): hazard
 * types and the three kinds of record, readings, what the configuration
 * describes, and the rules.  No I/O, no library but libc and lib/.
 */
#ifndef CORE_H
#define CORE_H

#include "lib.h"
#include "types.h"
#include "record.h"
#include "record_apply.h"
#include "reading.h"
#include "model.h"
#include "rules.h"
#include "reset_rule.h"
#include "coverage.h"
#include "selfcheck.h"
#include "alert_plan.h"

#endif /* CORE_H */
