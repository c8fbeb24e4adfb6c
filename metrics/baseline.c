/*
 * metrics/baseline.c: the neutral baseline of every angle channel, and the
 * values relative to it.
 *
 * Pose models place hip and knee centres with a systematic offset
 * (clinical.md: Needham 2021) and bone shape alone varies the ASIS-PSIS
 * angle by 0-23 deg (clinical.md: Preece 2008), so each channel is also
 * reported relative to a neutral trial: the median over a chosen time range,
 * or the first quiet stretch (every channel with data still within
 * quiet_range_deg for baseline_duration_s) within the first
 * baseline_search_s seconds.
 */
#include "metrics/internal.h"

#include <math.h>
#include <stdlib.h>

/* Channel c has a usable share (half) of finite samples in [a, b) and, when
 * range_deg >= 0, they span at most range_deg. Returns 1 if usable and quiet,
 * 0 if usable but moving, -1 if not usable. */
static int window_state(const RomcvAngleChannel *ch, size_t a, size_t b, double range_deg) {
    size_t finite = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = a; i < b; i++) {
        float v = ch->value_deg[i];
        if (!isfinite(v))
            continue;
        finite++;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (finite == 0 || 2 * finite < b - a)
        return -1;
    return (double)(hi - lo) <= range_deg ? 1 : 0;
}

static int find_quiet(const RomcvAngleResults *r, const RomcvMetricsSettings *s, size_t *out_a,
                      size_t *out_b) {
    const double *t = r->time_s;
    size_t b = 0;
    for (size_t a = 0; a < r->n && t[a] - t[0] <= s->baseline_search_s; a++) {
        while (b < r->n && t[b] < t[a] + s->baseline_duration_s)
            b++;
        if (b >= r->n && t[r->n - 1] - t[a] < 0.999 * s->baseline_duration_s)
            break; /* the rest of the recording is shorter than a baseline */
        int usable = 0, quiet = 1;
        for (int c = 0; c < ROMCV_ANGLE_COUNT && quiet; c++) {
            int st = window_state(&r->channel[c], a, b, s->quiet_range_deg);
            usable += st >= 0;
            quiet = st != 0;
        }
        if (quiet && usable > 0) {
            *out_a = a;
            *out_b = b;
            return 1;
        }
    }
    return 0;
}

int romcv__baseline(RomcvAngleResults *r, double start_s, double end_s,
                    const RomcvMetricsSettings *s) {
    size_t a = 0, b = 0;
    int found = 0;
    if (r->n > 0) {
        if (end_s > start_s) {
            while (a < r->n && r->time_s[a] < start_s)
                a++;
            b = a;
            while (b < r->n && r->time_s[b] <= end_s)
                b++;
            found = b > a;
        } else {
            found = find_quiet(r, s, &a, &b);
        }
    }
    float *scratch = found ? malloc((b - a) * sizeof *scratch) : NULL;
    if (found && !scratch)
        return ROMCV_ERR(ENOMEM);
    r->baseline_start_s = found ? r->time_s[a] : NAN;
    r->baseline_end_s = found ? r->time_s[b - 1] : NAN;
    for (int c = 0; c < ROMCV_ANGLE_COUNT; c++) {
        RomcvAngleChannel *ch = &r->channel[c];
        size_t count = 0;
        for (size_t i = a; found && i < b; i++)
            if (isfinite(ch->value_deg[i]))
                scratch[count++] = ch->value_deg[i];
        ch->baseline_deg = romcv__median(scratch, count);
        for (size_t i = 0; i < r->n; i++)
            ch->relative_deg[i] = ch->value_deg[i] - ch->baseline_deg;
    }
    free(scratch);
    return found ? 0 : ROMCV_E_NOT_FOUND;
}

int romcv_angle_results_set_baseline(RomcvAngleResults *results, double start_s, double end_s,
                                     const RomcvMetricsSettings *s) {
    if (!results || !s)
        return ROMCV_ERR(EINVAL);
    return romcv__baseline(results, start_s, end_s, s);
}
