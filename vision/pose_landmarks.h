/*
 * vision/pose_landmarks.h: the landmark half of MediaPipe Pose as pure
 * functions on arrays: decoding the landmark model's tensors (with heatmap
 * refinement), projecting crop coordinates back to the frame, world
 * landmarks, the segmentation mask back in frame coordinates, and the
 * tracking ROI from the auxiliary landmarks.
 *
 * Sources (MediaPipe, as shipped in @mediapipe/pose 0.5.1675469404):
 *   mediapipe/modules/pose_landmark/pose_landmark_by_roi_cpu.pbtxt
 *   mediapipe/modules/pose_landmark/tensors_to_pose_landmarks_and_segmentation.pbtxt
 *   mediapipe/modules/pose_landmark/pose_landmarks_and_segmentation_inverse_projection.pbtxt
 *   mediapipe/modules/pose_landmark/pose_landmarks_to_roi.pbtxt
 *   mediapipe/calculators/tensor/tensors_to_landmarks_calculator.cc
 *   mediapipe/calculators/util/refine_landmarks_from_heatmap_calculator.cc
 *   mediapipe/calculators/util/landmark_letterbox_removal_calculator.cc
 *   mediapipe/calculators/util/landmark_projection_calculator.cc
 *   mediapipe/calculators/util/world_landmark_projection_calculator.cc
 *
 * Private to the vision module.
 */
#ifndef ROMCV_VISION_POSE_LANDMARKS_H
#define ROMCV_VISION_POSE_LANDMARKS_H

#include "romcv/vision.h"

/* pose_landmark_by_roi_cpu.pbtxt, ImageToTensorCalculator: 256x256,
 * keep_aspect_ratio, output_tensor_float_range 0..1, border_mode unset
 * (= BORDER_REPLICATE, image_to_tensor_utils.cc GetBorderMode). */
#define ROMCV_LANDMARK_SIZE 256
/* TensorsToLandmarksCalculator num_landmarks 39: 33 body + 6 auxiliary. */
#define ROMCV_LANDMARK_ALL 39
/* Auxiliary landmarks 33 and 34 (SplitNormalizedLandmarkListCalculator range
 * 33..35): body centre and the point giving scale and rotation. */
#define ROMCV_LANDMARK_AUX_FIRST 33
#define ROMCV_LANDMARK_AUX       2
/* RefineLandmarksFromHeatmapCalculator: kernel_size 7 (graph), and the
 * option's default min_confidence_to_refine 0.5. */
#define ROMCV_HEATMAP_KERNEL   7
#define ROMCV_HEATMAP_MIN_CONF 0.5f
/* ThresholdingCalculator threshold 0.5 on the pose flag: the solution API's
 * min_tracking_confidence replaces it. */
#define ROMCV_POSE_FLAG_THRESHOLD 0.5f

/* TensorsToLandmarksCalculator (NORM_LANDMARKS, input_image_width/height 256,
 * visibility and presence SIGMOID): raw [39 x 5] in crop pixels -> x, y
 * normalised to the crop, z / 256 (normalize_z 1). */
void romcv__landmarks_decode(const float *raw, RomcvLandmark *out, int n);

/* RefineLandmarksFromHeatmapCalculator on an HWC heatmap of n channels. */
void romcv__landmarks_refine(RomcvLandmark *lm, int n, const float *heatmap, int hm_height,
                             int hm_width, int kernel_size, float min_confidence);

/* LandmarkLetterboxRemovalCalculator (padding: left, top, right, bottom). */
void romcv__landmarks_remove_letterbox(RomcvLandmark *lm, int n, const float padding[4]);

/* LandmarkProjectionCalculator: crop-normalised -> frame-normalised through
 * the ROI (rotation about its centre, z scaled like x by the ROI width). */
void romcv__landmarks_project(RomcvLandmark *lm, int n, const RomcvPoseRect *roi);

/* The inverse of romcv__landmarks_project (for tests and person selection). */
void romcv__landmarks_unproject(RomcvLandmark *lm, int n, const RomcvPoseRect *roi);

/* TensorsToLandmarksCalculator (LANDMARKS, no normalisation) on [39 x 3]
 * metres, then WorldLandmarkProjectionCalculator: x, y rotated by the ROI's
 * rotation. Visibility and presence are copied from image landmarks by the
 * caller (VisibilityCopyCalculator). */
void romcv__world_landmarks_decode(const float *raw, const RomcvPoseRect *roi, RomcvLandmark *out,
                                   int n);

/* pose_landmarks_to_roi.pbtxt: LandmarksToDetection of the two auxiliary
 * landmarks, AlignmentPointsRects (keypoints 0 -> 1, 90 deg), then
 * RectTransformation square_long x 1.25. */
void romcv__landmarks_to_roi(const RomcvLandmark aux[2], int width, int height, RomcvPoseRect *roi);

/* The same without the 1.25 transform: pose_landmark_filtering.pbtxt's
 * OBJECT_SCALE_ROI for the smoothing filters. */
void romcv__landmarks_object_rect(const RomcvLandmark aux[2], int width, int height,
                                  RomcvPoseRect *rect);

/* TensorsToSegmentationCalculator (SIGMOID) and WarpAffineCalculator
 * (BORDER_ZERO) of the inverse crop matrix: the crop's logits
 * [mask_size x mask_size] to a frame-sized mask in [0, 1]. */
void romcv__segmentation_to_frame(const float *logits, int mask_size, const RomcvPoseRect *roi,
                                  int width, int height, float *mask);

#endif /* ROMCV_VISION_POSE_LANDMARKS_H */
