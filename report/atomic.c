/*
 * report/atomic.c: files written under a temporary name and renamed into
 * place when complete (docs/conventions.md, "Files").
 *
 * The temporary file sits in the destination folder so that rename(2) is
 * atomic (same file system): readers see either the old file or the whole
 * new one, never a prefix.
 */
#include "report/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char tmp_suffix[] = ".tmp-XXXXXX";

int romcv__atomic_open(RomcvAtomicFile *af, const char *path, RomcvDiag *diag) {
    memset(af, 0, sizeof(*af));
    size_t len = strlen(path);
    af->path = strdup(path);
    af->tmp = malloc(len + sizeof(tmp_suffix));
    if (!af->path || !af->tmp) {
        romcv__atomic_abort(af);
        return romcv_diag_set(diag, ROMCV_ERR(ENOMEM), "%s: out of memory", path);
    }
    memcpy(af->tmp, path, len);
    memcpy(af->tmp + len, tmp_suffix, sizeof(tmp_suffix));
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        int e = errno;
        free(af->tmp);
        af->tmp = NULL; /* nothing was created: abort must not unlink */
        romcv__atomic_abort(af);
        return romcv_diag_set(diag, ROMCV_ERR(e), "%s: cannot create: %s", path, strerror(e));
    }
    /* mkstemp makes the file 0600; results are meant to be shared like any
     * other output file. */
    (void)fchmod(fd, 0644);
    af->file = fdopen(fd, "w+b");
    if (!af->file) {
        int e = errno;
        close(fd);
        romcv__atomic_abort(af);
        return romcv_diag_set(diag, ROMCV_ERR(e), "%s: cannot open: %s", path, strerror(e));
    }
    return 0;
}

int romcv__atomic_write_error(const RomcvAtomicFile *af, int saved_errno, RomcvDiag *diag) {
    int e = saved_errno ? saved_errno : EIO;
    return romcv_diag_set(diag, ROMCV_ERR(e), "%s: write failed: %s", af->path, strerror(e));
}

int romcv__atomic_commit(RomcvAtomicFile *af, RomcvDiag *diag) {
    int rc = 0;
    errno = 0;
    if (fflush(af->file) != 0 || ferror(af->file)) {
        rc = romcv__atomic_write_error(af, errno, diag);
    } else if (fsync(fileno(af->file)) != 0) {
        rc = romcv__atomic_write_error(af, errno, diag);
    }
    int closed = fclose(af->file);
    af->file = NULL;
    if (rc == 0 && closed != 0)
        rc = romcv__atomic_write_error(af, errno, diag);
    if (rc == 0 && rename(af->tmp, af->path) != 0) {
        int e = errno;
        rc = romcv_diag_set(diag, ROMCV_ERR(e), "%s: cannot rename %s into place: %s", af->path,
                            af->tmp, strerror(e));
    }
    if (rc == 0) {
        free(af->tmp);
        af->tmp = NULL;
    }
    romcv__atomic_abort(af);
    return rc;
}

void romcv__atomic_abort(RomcvAtomicFile *af) {
    if (af->file) {
        fclose(af->file);
        af->file = NULL;
    }
    if (af->tmp) {
        unlink(af->tmp);
        free(af->tmp);
        af->tmp = NULL;
    }
    free(af->path);
    af->path = NULL;
}
