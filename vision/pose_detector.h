/*
 * vision/pose_detector.h: the person-detection half of MediaPipe Pose, as pure
 * functions on arrays (testable without the model): SSD anchors, decoding the
 * detector's regressors, weighted non-max suppression, letterbox removal and
 * the body region of interest from a detection's keypoints.
 *
 * Sources (MediaPipe, the graphs of @mediapipe/pose 0.5.1675469404):
 *   mediapipe/modules/pose_detection/pose_detection_cpu.pbtxt
 *   mediapipe/modules/pose_landmark/pose_detection_to_roi.pbtxt
 *   mediapipe/calculators/tflite/ssd_anchors_calculator.cc
 *   mediapipe/calculators/tensor/tensors_to_detections_calculator.cc
 *   mediapipe/calculators/util/non_max_suppression_calculator.cc
 *   mediapipe/calculators/util/detection_letterbox_removal_calculator.cc
 *   mediapipe/calculators/util/alignment_points_to_rects_calculator.cc,
 *   detections_to_rects_calculator.cc, rect_transformation_calculator.cc
 *
 * Private to the vision module.
 */
#ifndef ROMCV_VISION_POSE_DETECTOR_H
#define ROMCV_VISION_POSE_DETECTOR_H

#include "romcv/vision.h"

/* pose_detection_cpu.pbtxt, ImageToTensorCalculator: 224x224, keep_aspect_ratio,
 * output_tensor_float_range -1..1, border_mode BORDER_ZERO. */
#define ROMCV_DETECTOR_SIZE      224
#define ROMCV_DETECTOR_RANGE_MIN (-1.0f)
#define ROMCV_DETECTOR_RANGE_MAX 1.0f
/* TensorsToDetectionsCalculator: num_boxes 2254, num_coords 12. */
#define ROMCV_DETECTOR_ANCHORS 2254
#define ROMCV_DETECTOR_COORDS  12
/* The graph's min_score_thresh is 0.2; the solution API replaces it with
 * min_detection_confidence (mediapipe/python/solutions/pose.py maps
 * min_detection_confidence onto
 * ...posedetectioncpu__TensorsToDetectionsCalculator.min_score_thresh). */
#define ROMCV_DETECTOR_GRAPH_MIN_SCORE 0.2f
/* NonMaxSuppressionCalculator: min_suppression_threshold 0.3, IoU, WEIGHTED. */
#define ROMCV_DETECTOR_NMS_THRESHOLD 0.3f
/* pose_detection_to_roi.pbtxt RectTransformationCalculator scale_x/y 1.25, and
 * pose_landmarks_to_roi.pbtxt uses the same 1.25 for the tracking ROI. */
#define ROMCV_POSE_ROI_SCALE 1.25f

/* SsdAnchorsCalculator with pose_detection_cpu.pbtxt's options. Writes the
 * anchor centres (x, y, normalised; fixed_anchor_size makes every w = h = 1)
 * and returns their count (ROMCV_DETECTOR_ANCHORS), or -1 if max is too small. */
int romcv__pose_anchors(float (*anchors)[2], int max);

/* TensorsToDetectionsCalculator: decodes raw_boxes [2254 x 12] and raw_scores
 * [2254] against anchors, keeps those with sigmoid(score) >= min_score, in
 * anchor order. Coordinates are normalised to the letterboxed 224x224 input.
 * Returns how many were written (at most max). */
int romcv__pose_decode(const float *raw_boxes, const float *raw_scores, const float (*anchors)[2],
                       float min_score, RomcvPoseDetection *out, int max);

/* NonMaxSuppressionCalculator, algorithm WEIGHTED, overlap IoU: sorts by
 * score, and for each best remaining detection averages the boxes and
 * keypoints of every detection overlapping it by more than threshold,
 * weighted by score (the score stays the best one's). detections is
 * reordered. Returns how many were written to out (at most max), best first. */
int romcv__pose_weighted_nms(RomcvPoseDetection *detections, int n, float threshold,
                             RomcvPoseDetection *out, int max);

/* DetectionLetterboxRemovalCalculator: padding (left, top, right, bottom) as
 * romcv__roi_pad() reports it. */
void romcv__pose_remove_letterbox(RomcvPoseDetection *detection, const float padding[4]);

/* AlignmentPointsRectsCalculator (detections_to_rects_calculator.cc
 * ComputeRotation with target angle 90 deg): a square (in pixels) box centred
 * on (x0, y0), side twice the distance to (x1, y1), rotated so that the
 * centre-to-scale-point vector points up. Points normalised to a width x
 * height image. */
void romcv__alignment_rect(float x0, float y0, float x1, float y1, int width, int height,
                           RomcvPoseRect *rect);

/* RectTransformationCalculator with square_long and scale_x = scale_y =
 * scale (no shift, no extra rotation). */
void romcv__rect_square_long(RomcvPoseRect *rect, int width, int height, float scale);

/* pose_detection_to_roi.pbtxt: keypoint 0 (hip centre) and 1 (full-body scale
 * point) -> alignment rect -> square_long x 1.25. */
void romcv__pose_detection_to_roi(const RomcvPoseDetection *detection, int width, int height,
                                  RomcvPoseRect *roi);

/* Intersection over union of two axis-aligned boxes (xmin, ymin, w, h);
 * MediaPipe's OverlapSimilarity(INTERSECTION_OVER_UNION). */
float romcv__box_iou(const float a[4], const float b[4]);

/* Whether a normalised point lies inside rect (rotated, in a width x height
 * image). */
int romcv__rect_contains(const RomcvPoseRect *rect, int width, int height, float x, float y);

/* Person selection (romcv's, not MediaPipe's; MediaPipe always follows
 * detections[0], the best score). Ranks n detections (best score first on
 * input) into order[] (indices, most wanted first) and returns how many:
 *   - point (normalised, may be NULL): those whose body ROI contains the
 *     point first, then by distance of the ROI centre to the point;
 *   - else last (the ROI the followed person had when last seen, may be
 *     NULL): by distance in units of last's size plus |log| of the size
 *     ratio, so that after a loss a reflection or a passer-by scoring higher
 *     does not replace the person;
 *   - else the detector's order.
 * At most ROMCV_POSE_RANK_MAX detections are ranked (the rest are ignored). */
#define ROMCV_POSE_RANK_MAX 64
int romcv__pose_rank(const RomcvPoseDetection *detections, int n, int width, int height,
                     const float point[2], const RomcvPoseRect *last, int *order);

/* order[0] of romcv__pose_rank(), or 0 for n <= 1. */
int romcv__pose_select(const RomcvPoseDetection *detections, int n, int width, int height,
                       const float point[2], const RomcvPoseRect *last);

#endif /* ROMCV_VISION_POSE_DETECTOR_H */
