/*
 * report/internal.h: what the report writers share (not installed).
 *
 * RomcvAtomicFile is the "temporary name, then rename" rule of
 * docs/conventions.md ("Files") in one place, so that every writer commits
 * the same way: fsync before rename, so a crash right after the rename cannot
 * leave an empty file under the final name on journalling file systems that
 * reorder metadata and data.
 */
#ifndef ROMCV_REPORT_INTERNAL_H
#define ROMCV_REPORT_INTERNAL_H

#include "romcv/report.h"

#include <stdio.h>

typedef struct RomcvAtomicFile {
    FILE *file; /* the temporary file, opened "w+b" */
    char *path; /* the final name */
    char *tmp;  /* path + ".tmp-XXXXXX" */
} RomcvAtomicFile;

/* Creates the temporary file beside path (mode 0644). Returns 0, or a
 * negative code with diag naming path. */
int romcv__atomic_open(RomcvAtomicFile *af, const char *path, RomcvDiag *diag);
/* Flushes, syncs, closes and renames onto the final name; on failure removes
 * the temporary file. Frees af's strings either way. */
int romcv__atomic_commit(RomcvAtomicFile *af, RomcvDiag *diag);
/* Closes and removes the temporary file; frees af's strings. Safe on a
 * zeroed or already released af. */
void romcv__atomic_abort(RomcvAtomicFile *af);
/* ROMCV_ERR(errno) of the failure that set the stream's error flag (EIO when
 * errno was cleared), with diag "path: write failed: ...". */
int romcv__atomic_write_error(const RomcvAtomicFile *af, int saved_errno, RomcvDiag *diag);

/* The C3D writer (report/c3d.c), driven by report/writer.c. */
typedef struct RomcvC3dState {
    long header_last_frame; /* file offsets of the fields patched at close */
    long point_frames;
    long trial_end_field;
    int64_t frames;
} RomcvC3dState;

int romcv__c3d_begin(FILE *f, const RomcvReportSettings *s, RomcvC3dState *st);
int romcv__c3d_frame(FILE *f, const RomcvReportSettings *s, const float *landmarks);
int romcv__c3d_finish(FILE *f, RomcvC3dState *st);

/* 1 when landmark k of frame is written as present in TRC/C3D. */
int romcv__report_point_valid(const RomcvReportSettings *s, const float *landmarks, int k);

#endif /* ROMCV_REPORT_INTERNAL_H */
