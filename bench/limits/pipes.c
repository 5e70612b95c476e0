// Throughput and latency of the vector instructions in the kernels' main loops, on the core this runs on.
//
// There are no hardware performance counters in the VMs these benchmarks run on, so the port-bound limit of a loop
// (bench/limits/loop_limits.py) rests on these measurements instead: the clock from a chain of dependent integer adds
// (one cycle each on every x86 core of the last decade), then, for each instruction, twelve independent copies per
// iteration (throughput) and a dependent chain (latency). Running an instruction beside 12 FMAs or 12 adds shows which
// pipes it shares: if the pair takes as long as the two alone added up, they compete for the same pipes.
//
// Build and run: gcc -O2 -mavx512f -mavx512dq -mavx512bw -mavx512vl -o pipes pipes.c && ./pipes
// On a core without AVX-512, `./pipes --clock` prints the clock alone (the rest would stop at the first zmm register).
#include <stdio.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define ITERATIONS 20000000L
#define REPEAT8(x) x x x x x x x x
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
    "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", \
    "xmm24", "xmm25", "k1", "k2"

// Cycles per loop iteration, best of five, for an asm body; the loop's own dec/jnz run on the integer side.
#define MEASURE(name, body)                                                                                  \
    static double measure_##name(double ghz)                                                                         \
    {                                                                                                        \
        double best = 1e9;                                                                                   \
        for (int k = 0; k < 5; k++)                                                                          \
        {                                                                                                    \
            long n = ITERATIONS;                                                                             \
            double t = now();                                                                                \
            __asm__ volatile("vxorps %%zmm0, %%zmm0, %%zmm0\n vxorps %%zmm1, %%zmm1, %%zmm1\n 1:\n" body     \
                             "dec %0\n jnz 1b" : "+r"(n) : : CLOBBERS);                                      \
            t = now() - t;                                                                                   \
            if (t < best) best = t;                                                                          \
        }                                                                                                    \
        return best / ITERATIONS * ghz * 1e9;                                                                \
    }

// Twelve independent instances of a two-source instruction, writing zmm2..zmm13 (or zmm14..zmm25).
#define X12(op, w) op " %%" w "0, %%" w "1, %%" w "2\n" op " %%" w "0, %%" w "1, %%" w "3\n" op " %%" w "0, %%" w "1, %%" w "4\n" \
    op " %%" w "0, %%" w "1, %%" w "5\n" op " %%" w "0, %%" w "1, %%" w "6\n" op " %%" w "0, %%" w "1, %%" w "7\n"               \
    op " %%" w "0, %%" w "1, %%" w "8\n" op " %%" w "0, %%" w "1, %%" w "9\n" op " %%" w "0, %%" w "1, %%" w "10\n"              \
    op " %%" w "0, %%" w "1, %%" w "11\n" op " %%" w "0, %%" w "1, %%" w "12\n" op " %%" w "0, %%" w "1, %%" w "13\n"
#define Y12(op) op " %%zmm0, %%zmm1, %%zmm14\n" op " %%zmm0, %%zmm1, %%zmm15\n" op " %%zmm0, %%zmm1, %%zmm16\n"          \
    op " %%zmm0, %%zmm1, %%zmm17\n" op " %%zmm0, %%zmm1, %%zmm18\n" op " %%zmm0, %%zmm1, %%zmm19\n"                       \
    op " %%zmm0, %%zmm1, %%zmm20\n" op " %%zmm0, %%zmm1, %%zmm21\n" op " %%zmm0, %%zmm1, %%zmm22\n"                       \
    op " %%zmm0, %%zmm1, %%zmm23\n" op " %%zmm0, %%zmm1, %%zmm24\n" op " %%zmm0, %%zmm1, %%zmm25\n"
#define SHIFT12 REPEAT8("vpslld $16, %%zmm0, %%zmm2\n") "vpslld $16, %%zmm0, %%zmm3\n vpslld $16, %%zmm0, %%zmm4\n" \
    "vpslld $16, %%zmm0, %%zmm5\n vpslld $16, %%zmm0, %%zmm6\n"
#define COMPARE12 REPEAT8("vcmpps $14, %%zmm0, %%zmm1, %%k1\n") "vcmpps $14, %%zmm0, %%zmm1, %%k2\n" \
    "vcmpps $14, %%zmm0, %%zmm1, %%k1\n vcmpps $14, %%zmm0, %%zmm1, %%k2\n vcmpps $14, %%zmm0, %%zmm1, %%k1\n"

MEASURE(fma, X12("vfmadd231ps", "zmm"))
MEASURE(fma_ymm, X12("vfmadd231ps", "ymm"))
MEASURE(add, X12("vaddps", "zmm"))
MEASURE(add_ymm, X12("vaddps", "ymm"))
MEASURE(mul, X12("vmulps", "zmm"))
MEASURE(max, X12("vmaxps", "zmm"))
MEASURE(scalef, X12("vscalefps", "zmm"))
MEASURE(permute, X12("vpermps", "zmm"))
MEASURE(and, X12("vpandd", "zmm"))
MEASURE(shift, SHIFT12)
MEASURE(compare, COMPARE12)
MEASURE(fma_add, X12("vfmadd231ps", "zmm") Y12("vaddps"))
MEASURE(fma_scalef, X12("vfmadd231ps", "zmm") Y12("vscalefps"))
MEASURE(add_scalef, X12("vaddps", "zmm") Y12("vscalefps"))
MEASURE(fma_max, X12("vfmadd231ps", "zmm") Y12("vmaxps"))
MEASURE(add_max, X12("vaddps", "zmm") Y12("vmaxps"))
MEASURE(fma_permute, X12("vfmadd231ps", "zmm") Y12("vpermps"))
MEASURE(add_permute, X12("vaddps", "zmm") Y12("vpermps"))
MEASURE(fma_and, X12("vfmadd231ps", "zmm") Y12("vpandd"))
MEASURE(add_and, X12("vaddps", "zmm") Y12("vpandd"))
MEASURE(fma_shift, X12("vfmadd231ps", "zmm") SHIFT12)
MEASURE(add_shift, X12("vaddps", "zmm") SHIFT12)
MEASURE(fma_compare, X12("vfmadd231ps", "zmm") COMPARE12)
MEASURE(add_compare, X12("vaddps", "zmm") COMPARE12)
MEASURE(fma_latency, REPEAT8("vfmadd231ps %%zmm0, %%zmm1, %%zmm2\n"))
MEASURE(add_latency, REPEAT8("vaddps %%zmm0, %%zmm2, %%zmm2\n"))
MEASURE(scalef_latency, REPEAT8("vscalefps %%zmm0, %%zmm2, %%zmm2\n"))

static double clock_ghz(void)
{
    double best = 0;
    for (int k = 0; k < 5; k++)
    {
        long n = ITERATIONS * 5;
        double t = now();
        __asm__ volatile("1:\n" REPEAT8("add $1, %%rax\n") REPEAT8("add $1, %%rax\n") "dec %0\n jnz 1b"
                         : "+r"(n) : : "rax");
        t = now() - t;
        double ghz = 16.0 * ITERATIONS * 5 / t / 1e9;
        if (ghz > best) best = ghz;
    }
    return best;
}

int main(int argc, char **argv)
{
    double ghz = clock_ghz();
    printf("{\"measure\":\"clock\",\"ghz\":%.3f}\n", ghz);
    if (argc > 1 && strcmp(argv[1], "--clock") == 0) return 0;
#define ROW(f, instructions) { double c = measure_##f(ghz); printf("{\"measure\":\"%s\",\"cycles\":%.2f,\"per_cycle\":%.2f}\n", #f, c, (instructions) / c); }
    ROW(fma, 12) ROW(fma_ymm, 12) ROW(add, 12) ROW(add_ymm, 12) ROW(mul, 12) ROW(max, 12) ROW(scalef, 12) ROW(permute, 12)
    ROW(and, 12) ROW(shift, 12) ROW(compare, 12)
    ROW(fma_add, 24) ROW(fma_scalef, 24) ROW(add_scalef, 24) ROW(fma_max, 24) ROW(add_max, 24) ROW(fma_permute, 24)
    ROW(add_permute, 24) ROW(fma_and, 24) ROW(add_and, 24) ROW(fma_shift, 24) ROW(add_shift, 24) ROW(fma_compare, 24)
    ROW(add_compare, 24)
    ROW(fma_latency, 8) ROW(add_latency, 8) ROW(scalef_latency, 8)
    return 0;
}
