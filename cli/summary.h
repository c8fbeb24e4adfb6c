/*
 * cli/summary.h: summary.json for `romcv analyze`. The file itself is the
 * report module's (romcv_report_write_summary(), include/romcv/report.h);
 * this step only translates a RomcvCliAnalysis into a RomcvSummary, so the
 * command writes exactly what any other front end writes.
 */
#ifndef ROMCV_CLI_SUMMARY_H
#define ROMCV_CLI_SUMMARY_H

#include "cli/analysis.h"

/* Writes run->options->out_dir/summary.json. Returns 0, or a negative code
 * with diag naming the file. Reads run, never changes it. */
int romcv_cli_write_summary(const RomcvCliAnalysis *run, RomcvDiag *diag);

#endif /* ROMCV_CLI_SUMMARY_H */
