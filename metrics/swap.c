/*
 * metrics/swap.c: left/right limb swap detection and repair.
 *
 * Pose models sometimes exchange the labels of the two legs (most often in
 * side views, where one leg hides the other) or the two arms for a few
 * frames. Limbs move continuously, so a frame whose left points sit where the
 * right points were in the last good frame (and vice versa) is swapped: the
 * assignment with the smaller total displacement wins, by a clear margin
 * (half the cost) and only when the straight assignment moved further than
 * the limbs' spread would explain (so overlapping legs never toggle). When
 * more than half the frames come out swapped, the first frame was the
 * swapped one, and the whole decision is inverted.
 */
#include "metrics/internal.h"

#include <math.h>

static const int leg_group[] = {ROMCV_LM_LEFT_KNEE, ROMCV_LM_LEFT_ANKLE, ROMCV_LM_LEFT_HEEL,
                                ROMCV_LM_LEFT_FOOT_INDEX};
static const int arm_group[] = {ROMCV_LM_LEFT_ELBOW, ROMCV_LM_LEFT_WRIST, 17, 19, 21};

int romcv__landmark_mirror(int k) {
    /* BlazePose: 1-3 left eye points, 4-6 right; 7/8 ears, 9/10 mouth; from 11
     * on left is odd and right is the next even index. */
    if (k >= 1 && k <= 3)
        return k + 3;
    if (k >= 4 && k <= 6)
        return k - 3;
    if (k >= 7)
        return (k % 2) ? k + 1 : k - 1;
    return k;
}

static void swap_frame(RomcvWorkSeries *w, const int *group, int count, size_t i) {
    for (int g = 0; g < count; g++) {
        int l = group[g], r = romcv__landmark_mirror(l);
        float t;
        t = w->x[l][i], w->x[l][i] = w->x[r][i], w->x[r][i] = t;
        t = w->y[l][i], w->y[l][i] = w->y[r][i], w->y[r][i] = t;
        t = w->vis[l][i], w->vis[l][i] = w->vis[r][i], w->vis[r][i] = t;
    }
}

static size_t repair_group(RomcvWorkSeries *w, const int *group, int count, uint8_t bit,
                           uint8_t *flags) {
    size_t prev = (size_t)-1, swapped = 0, measured = 0;
    for (size_t i = 0; i < w->n; i++) {
        int finite = 1;
        for (int g = 0; g < count && finite; g++) {
            int l = group[g], r = romcv__landmark_mirror(l);
            finite = isfinite(w->x[l][i]) && isfinite(w->y[l][i]) && isfinite(w->x[r][i]) &&
                     isfinite(w->y[r][i]);
        }
        if (!finite)
            continue;
        measured++;
        if (prev != (size_t)-1) {
            double keep = 0.0, cross = 0.0, spread = 0.0;
            for (int g = 0; g < count; g++) {
                int l = group[g], r = romcv__landmark_mirror(l);
                keep += hypot(w->x[l][i] - w->x[l][prev], w->y[l][i] - w->y[l][prev]) +
                        hypot(w->x[r][i] - w->x[r][prev], w->y[r][i] - w->y[r][prev]);
                cross += hypot(w->x[l][i] - w->x[r][prev], w->y[l][i] - w->y[r][prev]) +
                         hypot(w->x[r][i] - w->x[l][prev], w->y[r][i] - w->y[l][prev]);
                spread += hypot(w->x[l][prev] - w->x[r][prev], w->y[l][prev] - w->y[r][prev]);
            }
            if (cross < 0.5 * keep && keep > spread) {
                swap_frame(w, group, count, i);
                flags[i] |= bit;
                swapped++;
            }
        }
        prev = i;
    }
    if (2 * swapped > measured) {
        for (size_t i = 0; i < w->n; i++) {
            swap_frame(w, group, count, i);
            flags[i] ^= bit;
        }
        swapped = measured - swapped;
    }
    return swapped;
}

size_t romcv__repair_swaps(RomcvWorkSeries *w, uint8_t *flags) {
    return repair_group(w, leg_group, 4, ROMCV_SWAP_LEGS, flags) +
           repair_group(w, arm_group, 5, ROMCV_SWAP_ARMS, flags);
}
