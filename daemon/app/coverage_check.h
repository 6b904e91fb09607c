/*
 * coverage_check.h: coverage by site kind and sensor life on the loop
 * thread (coverage_check.c; the decisions are core/coverage.c's).
 */
#ifndef APP_COVERAGE_CHECK_H
#define APP_COVERAGE_CHECK_H

#include "daemon.h"

/* After start-up and every reload (graph_commit): a coverage_gap hazard
 * for each site short of its kind's requirements, the condition of the
 * ones now met normal; and the sensor dates looked at again. */
void coverage_on_config(struct daemon *d);
/* Once a second in the pass: sensor_expired and calibration_due faults,
 * looked at when the local date changes or the config did. */
void coverage_tick(struct daemon *d);
/* The summary's "coverage": the sites with requirements, those meeting
 * them, the rate (安装覆盖率) and the sites short of them. */
cJSON *coverage_summary_json(const struct config *cfg);

#endif /* APP_COVERAGE_CHECK_H */
