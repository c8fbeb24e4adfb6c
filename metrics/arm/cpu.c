/*
 * metrics/arm/cpu.c: SIMD levels on arm64.
 *
 * Advanced SIMD (NEON) is in every arm64 core a phone, server or laptop
 * ships with, but Linux supports systems without FP/ASIMD (kernel commit
 * 82e0191a1aa1, "arm64: Support systems without FP/ASIMD") and its ABI
 * document says software relying on a feature should check the hwcap first:
 * "Features cannot be probed reliably through other means"
 * (Documentation/arch/arm64/elf_hwcaps.rst). Checking costs one getauxval();
 * the result is not cached (no global state). Other arm64 systems (macOS,
 * Windows) have no getauxval and no arm64 variant without NEON.
 */
#include "metrics/dsp.h"

#include "romcv/metrics.h"

#if defined(__aarch64__)
#if defined(__linux__)
#include <sys/auxv.h>
/* glibc's <bits/hwcap.h> (pulled in by <sys/auxv.h>) has the bit; older or
 * other C libraries may not, and the value is fixed by the kernel ABI. */
#ifndef HWCAP_ASIMD
#define HWCAP_ASIMD (1 << 1)
#endif

unsigned romcv__cpu_detect(void) {
    return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? ROMCV_CPU_NEON : 0u;
}
#else
unsigned romcv__cpu_detect(void) {
    return ROMCV_CPU_NEON;
}
#endif
#endif
