/* cli/frame_walk.c: see frame_walk.h. */
#include "cli/frame_walk.h"

int romcv_cli_walk_frames(const RomcvCliWalk *walk, size_t *visited, int *interrupted,
                          RomcvDiag *diag) {
    *visited = 0;
    *interrupted = 0;
    const RomcvCliPoseSeries *series = walk->series;
    if (walk->kind == ROMCV_CAPTURE_CAMERA) {
        return romcv_diag_set(diag, ROMCV_E_UNSUPPORTED,
                              "%s: a camera cannot be read a second time", walk->in->input);
    }
    size_t n = walk->wanted ? walk->n_wanted : series->n;
    if (n == 0) {
        return 0;
    }
    RomcvCliInterrupt watch;
    romcv_cli_interrupt_start(&watch);
    RomcvCapture *capture = NULL;
    int rc = romcv_cli_open_input(walk->ctx, walk->in, &capture, diag);
    if (rc < 0) {
        romcv_cli_interrupt_stop(&watch);
        return rc;
    }
    romcv_cli_interrupt_watch(&watch, capture);
    size_t next = 0; /* position in wanted, or the series index itself */
    RomcvFrame *frame = NULL;
    int receive_rc = 0;
    while (next < n && (receive_rc = romcv_capture_receive(capture, &frame)) == 0) {
        size_t i = walk->wanted ? walk->wanted[next] : next;
        if (i >= series->n) {
            romcv_frame_unref(&frame);
            next = n; /* a wanted index beyond the series: nothing more to find */
            break;
        }
        /* Same options, same frames: an index seen here but not in the
         * series (or the reverse) means the input changed between passes. */
        if (frame->index < series->index[i]) {
            romcv_frame_unref(&frame);
            continue; /* an analysed frame the caller did not ask for */
        }
        if (frame->index > series->index[i]) {
            rc = romcv_diag_set(diag, ROMCV_E_INVALID_DATA,
                                "%s: frame %lld is missing on the second reading (the file "
                                "changed?)",
                                walk->in->input, (long long)series->index[i]);
            romcv_frame_unref(&frame);
            break;
        }
        rc = walk->visit(walk->cookie, frame, i, diag);
        romcv_frame_unref(&frame);
        if (rc < 0) {
            break;
        }
        ++*visited;
        next++;
    }
    if (rc == 0 && next < n) {
        if (receive_rc == ROMCV_E_INTERRUPTED || romcv_cli_interrupted(&watch)) {
            *interrupted = 1;
        } else if (receive_rc != ROMCV_E_EOF) {
            rc = romcv_diag_set(diag, receive_rc, "%s", romcv_capture_errmsg(capture));
        }
        /* EOF before the last analysed frame: the input was damaged and the
         * first pass said so; what decoded was visited. */
    }
    romcv_cli_interrupt_watch(&watch, NULL);
    romcv_capture_close(&capture);
    romcv_cli_interrupt_stop(&watch);
    return rc;
}
