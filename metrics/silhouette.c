/*
 * metrics/silhouette.c: markerless lumbar lordosis and pelvic tilt estimates
 * from the posterior contour of a side-view silhouette.
 *
 * clinical.md lists the posterior silhouette contour between the waist and
 * the sacrum as the markerless option and found no published validation;
 * both values are therefore labelled estimates, and only their change from
 * the neutral baseline is meant to be compared.
 *
 * Method. Heights are measured along gravity "up" from the near-side hip
 * landmark, in units of the trunk height H (hip to shoulder, along up):
 * - the waist level is 0.45 H (about L1-L2: between the lowest ribs and the
 *   iliac crest), the sacrum level 0.15 H (about S1-S2, above the hip joint
 *   centres);
 * - at each level, a straight line is fitted (least squares, horizontal
 *   offset as a function of height) to the contour points within +-0.08 H;
 *   its direction, pointing down the back, is the contour tangent there;
 * - lordosis = the angle from the waist tangent to the sacrum tangent,
 *   positive when the back is concave (the same sense as the T12-L3-S1
 *   marker definition);
 * - pelvic tilt = the angle of the sacrum tangent from the vertical,
 *   positive when the contour runs backwards going down (anterior tilt
 *   pushes the sacrum's lower end back).
 */
#include "metrics/internal.h"

#include <math.h>

#define WAIST_LEVEL  0.45f
#define SACRUM_LEVEL 0.15f
#define FIT_HALF     0.08f
#define RAD_TO_DEG   57.29577951308232f

/* Fits b in "forward offset = a + b * depth" (depth along down) over the contour
 * points near level; returns 0 when fewer than 3 points are in range. */
static int fit_slope(const float *cx, const float *cy, int count, float hip_x, float hip_y,
                     float height, float level, const RomcvFrameAxes *axes, float facing,
                     float *slope) {
    double sd = 0, sf = 0, sdd = 0, sdf = 0;
    int m = 0;
    for (int k = 0; k < count; k++) {
        float dx = cx[k] - hip_x, dy = cy[k] - hip_y;
        float up = -(dx * axes->down_x + dy * axes->down_y) / height;
        if (!isfinite(up) || fabsf(up - level) > FIT_HALF)
            continue;
        double depth = (double)(dx * axes->down_x + dy * axes->down_y);
        double fwd = (double)(facing * (dx * axes->right_x + dy * axes->right_y));
        sd += depth, sf += fwd, sdd += depth * depth, sdf += depth * fwd;
        m++;
    }
    if (m < 3)
        return 0;
    double den = m * sdd - sd * sd;
    if (!(fabs(den) > 1e-9))
        return 0;
    *slope = (float)((m * sdf - sd * sf) / den);
    return 1;
}

void romcv__silhouette_frame(const float *cx, const float *cy, int count, float hip_x, float hip_y,
                             float shoulder_x, float shoulder_y, const RomcvFrameAxes *axes,
                             float facing, float *lordosis_deg, float *tilt_deg) {
    *lordosis_deg = NAN;
    *tilt_deg = NAN;
    if (!cx || !cy || count < 6)
        return;
    float height = -((shoulder_x - hip_x) * axes->down_x + (shoulder_y - hip_y) * axes->down_y);
    if (!(height > 1.0f))
        return;
    float waist, sacrum;
    int have_waist =
        fit_slope(cx, cy, count, hip_x, hip_y, height, WAIST_LEVEL, axes, facing, &waist);
    int have_sacrum =
        fit_slope(cx, cy, count, hip_x, hip_y, height, SACRUM_LEVEL, axes, facing, &sacrum);
    if (!have_sacrum)
        return;
    /* A slope s (forward per unit down) is a tangent at atan(s) from the
     * vertical, rotated forward. Backward-going-down is anterior tilt. */
    float sacrum_deg = atanf(sacrum) * RAD_TO_DEG;
    *tilt_deg = -sacrum_deg;
    if (have_waist)
        *lordosis_deg = atanf(waist) * RAD_TO_DEG - sacrum_deg;
}
