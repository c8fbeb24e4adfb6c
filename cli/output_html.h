/*
 * cli/output_html.h: the HTML report step of `romcv analyze` (issue 8):
 * DIR/report.html from a finished run.
 *
 * Ownership: borrows the run; everything it allocates (stills, derived
 * signals) is freed before it returns.
 */
#ifndef ROMCV_CLI_OUTPUT_HTML_H
#define ROMCV_CLI_OUTPUT_HTML_H

#include "cli/analysis.h"

/* Writes report.html into the run's --out folder: the header from the
 * options (--patient, --session), the protocol's results, plots, warnings
 * and notes, and a still of each compensation flag's evidence frame, read
 * again from the input. A still that cannot be read (a camera, an
 * interrupted run, a file that changed) is left out and the report says so;
 * that is not an error. Returns 0, or a negative code with diag when the
 * file cannot be written. */
int romcv_cli_write_html(const RomcvCliContext *ctx, const RomcvCliAnalysis *run, RomcvDiag *diag);

#endif /* ROMCV_CLI_OUTPUT_HTML_H */
