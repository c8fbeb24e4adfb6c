/*
 * metrics/x86/cpu.c: which SIMD levels this x86-64 CPU and OS support, and
 * the x86 half of the kernel dispatch.
 *
 * cpuid says what the CPU implements; xgetbv says whether the OS saves the
 * YMM (AVX2) and opmask/ZMM (AVX-512) registers on context switches. A CPU
 * flag without OS support would fault, so both are required (dav1d's
 * src/x86/cpu.c does the same). The result is not cached: there is no global
 * state, and romcv_metrics_create() calls this once per context.
 */
#include "metrics/dsp.h"

#include "romcv/metrics.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <stdint.h>

static uint64_t read_xcr0(void) {
    uint32_t lo, hi;
    /* xgetbv with ecx = 0; spelled as bytes would not be needed on any
     * assembler gcc or clang ships with. */
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}

unsigned romcv__cpu_detect(void) {
    unsigned eax, ebx, ecx, edx;
    unsigned flags = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    const int osxsave = (ecx >> 27) & 1, avx = (ecx >> 28) & 1, fma = (ecx >> 12) & 1;
    if (!osxsave || !avx)
        return 0;
    const uint64_t xcr0 = read_xcr0();
    /* Bits 1-2: SSE and AVX (YMM) state; 5-7: opmask, ZMM0-15 upper, ZMM16-31. */
    const int os_ymm = (xcr0 & 0x6) == 0x6;
    const int os_zmm = (xcr0 & 0xe6) == 0xe6;
    if (__get_cpuid_max(0, NULL) < 7)
        return 0;
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const int avx2 = (ebx >> 5) & 1;
    const int avx512f = (ebx >> 16) & 1, avx512dq = (ebx >> 17) & 1;
    const int avx512bw = (ebx >> 30) & 1, avx512vl = (ebx >> 31) & 1;
    if (os_ymm && avx2 && fma) {
        flags |= ROMCV_CPU_AVX2;
        if (os_zmm && avx512f && avx512dq && avx512bw && avx512vl)
            flags |= ROMCV_CPU_AVX512;
    }
    return flags;
}

void romcv__angle_dsp_init_x86(RomcvAngleDsp *dsp, unsigned cpu_flags) {
    if (!(cpu_flags & ROMCV_CPU_AVX2))
        return;
    dsp->angle_dir = romcv__angle_dir_avx2;
    dsp->angle_seg = romcv__angle_seg_avx2;
    dsp->level = "avx2";
    if (!(cpu_flags & ROMCV_CPU_AVX512))
        return;
    dsp->angle_dir = romcv__angle_dir_avx512;
    dsp->angle_seg = romcv__angle_seg_avx512;
    dsp->level = "avx512";
}
#endif
