/*
 * metrics/arm/cpu.c: SIMD levels on arm64. Advanced SIMD (NEON) is part of
 * the AArch64 base ISA, so there is nothing to probe.
 */
#include "metrics/dsp.h"

#include "romcv/metrics.h"

#if defined(__aarch64__)
unsigned romcv__cpu_detect(void) {
    return ROMCV_CPU_NEON;
}
#endif
