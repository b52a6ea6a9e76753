/*
 * report: sfu-load's results, as a table on stdout and as JSON (--json;
 * the field names are a contract with `make bench`, see README.md).
 */

#ifndef SFU_LOAD_REPORT_H
#define SFU_LOAD_REPORT_H

#include "run.h"

#include <stdio.h>

void load_report_table(const load_run_t *run, FILE *out);

/* 0, or -1 with a message on stderr. */
int load_report_json(const load_run_t *run, const char *path);

/* The step the whole-run figures come from: the last one measured. */
const load_step_t *load_report_step(const load_run_t *run);

#endif
