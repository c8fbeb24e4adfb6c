/* cli/output.c: files written safely, and Ctrl-C handling that keeps finished work. */
#include "cli/cli.h"

#include <errno.h>
#include <sys/stat.h>

int romcv_cli_output_open(RomcvCliOutput *out, const char *dir, const char *name, RomcvDiag *diag) {
    out->file = NULL;
    if (snprintf(out->path, sizeof out->path, "%s/%s", dir, name) >= (int)sizeof out->path ||
        snprintf(out->tmp_path, sizeof out->tmp_path, "%s/.%s.tmp", dir, name) >=
            (int)sizeof out->tmp_path) {
        return romcv_diag_set(diag, ROMCV_ERR(ENAMETOOLONG), "%s: path too long", dir);
    }
    out->file = fopen(out->tmp_path, "w");
    if (!out->file) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot create (%s)", out->tmp_path,
                              romcv_strerror(ROMCV_ERR(err)));
    }
    return 0;
}

int romcv_cli_output_commit(RomcvCliOutput *out, RomcvDiag *diag) {
    if (!out->file) {
        return 0;
    }
    int failed = ferror(out->file);
    failed |= fflush(out->file) != 0;
    failed |= fclose(out->file) != 0;
    out->file = NULL;
    if (failed) {
        remove(out->tmp_path);
        return romcv_diag_set(diag, ROMCV_ERR(EIO), "%s: write failed (disk full?)", out->path);
    }
    if (rename(out->tmp_path, out->path) != 0) {
        int err = errno;
        remove(out->tmp_path);
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot rename into place", out->path);
    }
    return 0;
}

void romcv_cli_output_abandon(RomcvCliOutput *out) {
    if (out->file) {
        fclose(out->file);
        out->file = NULL;
        remove(out->tmp_path);
    }
}

int romcv_cli_make_dir(const char *dir, RomcvDiag *diag) {
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            return romcv_diag_set(diag, ROMCV_ERR(ENOTDIR), "%s: exists and is not a folder", dir);
        }
        return 0;
    }
    if (mkdir(dir, 0777) != 0) {
        int err = errno;
        return romcv_diag_set(diag, ROMCV_ERR(err), "%s: cannot create folder (%s)", dir,
                              romcv_strerror(ROMCV_ERR(err)));
    }
    return 0;
}

void romcv_cli_json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            fprintf(f, "\\%c", *c);
        } else if (*c < 0x20) {
            fprintf(f, "\\u%04x", *c);
        } else {
            fputc(*c, f);
        }
    }
    fputc('"', f);
}

static void *interrupt_thread(void *arg) {
    RomcvCliInterrupt *watch = arg;
    for (;;) {
        int sig;
        if (sigwait(&watch->set, &sig) != 0) {
            continue;
        }
        if (sig == SIGUSR2) { /* our own wake-up at shutdown */
            return NULL;
        }
        atomic_store(&watch->interrupted, true);
        pthread_mutex_lock(&watch->lock);
        if (watch->capture) {
            romcv_capture_interrupt(watch->capture);
        }
        pthread_mutex_unlock(&watch->lock);
    }
}

void romcv_cli_interrupt_start(RomcvCliInterrupt *watch) {
    sigemptyset(&watch->set);
    sigaddset(&watch->set, SIGINT);
    sigaddset(&watch->set, SIGTERM);
    sigaddset(&watch->set, SIGUSR2);
    atomic_init(&watch->interrupted, false);
    pthread_mutex_init(&watch->lock, NULL);
    watch->capture = NULL;
    /* Blocked here, the signals stay blocked in every thread created later
     * (the capture thread), so only sigwait sees them. */
    pthread_sigmask(SIG_BLOCK, &watch->set, NULL);
    watch->running = pthread_create(&watch->thread, NULL, interrupt_thread, watch) == 0;
}

void romcv_cli_interrupt_watch(RomcvCliInterrupt *watch, RomcvCapture *capture) {
    pthread_mutex_lock(&watch->lock);
    watch->capture = capture;
    pthread_mutex_unlock(&watch->lock);
}

bool romcv_cli_interrupted(RomcvCliInterrupt *watch) {
    return atomic_load(&watch->interrupted);
}

void romcv_cli_interrupt_stop(RomcvCliInterrupt *watch) {
    romcv_cli_interrupt_watch(watch, NULL);
    if (watch->running) {
        pthread_kill(watch->thread, SIGUSR2);
        pthread_join(watch->thread, NULL);
        watch->running = false;
    }
    pthread_sigmask(SIG_UNBLOCK, &watch->set, NULL);
    pthread_mutex_destroy(&watch->lock);
}
