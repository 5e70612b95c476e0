// Throughput and latency of the vector instructions in the kernels' main loops, on the core this runs on.
//
// There are no hardware performance counters in the VMs these benchmarks run on, so the port-bound limit of a loop
// (bench/limits/loop_limits.py) rests on these measurements instead: the clock from a chain of dependent integer adds
// (one cycle each on every x86 core of the last decade), then, for each instruction, independent copies per iteration
// (throughput) and a dependent chain (latency). Running an instruction beside as many FMAs or adds shows which pipes it
// shares: if the pair takes as long as the two alone added up, they compete for the same pipes.
//
// Two sets of measurements, one per instruction set the kernels compile to on x64:
//   AVX-512 (the default): 512-bit instructions, twelve copies, 32 registers and mask registers.
//   AVX2 (--avx2): 256-bit instructions in ymm0-ymm15 only, compares into vector registers, as the kernels' 256-bit
//     loops run on a core without AVX-512. With 16 registers, ten copies a side: 10 FMAs into ymm2-ymm11 (ten
//     accumulator chains, more than the eight that two pipes with four cycles of latency need) beside 10 other
//     instructions that write ymm12-ymm15 in turn (write-only destinations, so renaming keeps them independent).
// The clock line comes first and names the core (CPUID family and model) for loop_limits.py's choice of pipe model.
//
// Build and run:
//   gcc -O2 -mavx512f -mavx512dq -mavx512bw -mavx512vl -o pipes pipes.c && ./pipes   (also has --avx2 and --clock)
//   gcc -O2 -mavx2 -mfma -o pipes pipes.c && ./pipes --avx2                          (a core without AVX-512)
// `./pipes --clock` prints the clock line alone.
#include <cpuid.h>
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
#define REPEAT10(x) REPEAT8(x) x x

// Cycles per loop iteration, best of five, for an asm body after a setup that fills the source registers. The loop
// starts on a 64-byte boundary, so its placement in the op cache does not vary from one build to the next, and counts
// down with sub: vptest writes the carry flag, which dec (it leaves the carry alone) would have to merge. `after` runs
// once, after the timed loop.
#define TIMED(name, setup, body, after, ...)                                                                 \
    static double measure_##name(double ghz)                                                                 \
    {                                                                                                        \
        double best = 1e9;                                                                                   \
        for (int k = 0; k < 5; k++)                                                                          \
        {                                                                                                    \
            long n = ITERATIONS;                                                                             \
            double t = now();                                                                                \
            __asm__ volatile(setup ".p2align 6\n1:\n" body "sub $1, %0\n jnz 1b\n" after                     \
                             : "+r"(n) : : __VA_ARGS__);                                                     \
            t = now() - t;                                                                                   \
            if (t < best) best = t;                                                                          \
        }                                                                                                    \
        return best / ITERATIONS * ghz * 1e9;                                                                \
    }

// One JSON line: cycles per iteration and instructions per cycle, with the instruction count per iteration.
__attribute__((unused)) static void row(const char *name, double cycles, int instructions)
{
    printf("{\"measure\":\"%s\",\"cycles\":%.2f,\"per_cycle\":%.2f,\"instructions\":%d}\n", name, cycles,
           instructions / cycles, instructions);
}
#define ROW(f, instructions) row(#f, measure_##f(ghz), instructions);

#ifdef __AVX512F__
// ---- AVX-512: 512-bit instructions, twelve copies a side ----
#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
    "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", \
    "xmm24", "xmm25", "k1", "k2"
#define MEASURE(name, body) \
    TIMED(name, "vxorps %%zmm0, %%zmm0, %%zmm0\n vxorps %%zmm1, %%zmm1, %%zmm1\n", body, "", CLOBBERS)

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
// The table exp's lookup (vpermi2ps) and bf16's widening (vpmovzxwd), and pairs that tell a core whose 512-bit
// instructions share two pipes (Intel's ports 0 and 5) from one with four (Zen 5): shifts beside permutes, scalef beside
// shifts and permutes, compares beside permutes.
#define WIDEN12 REPEAT8("vpmovzxwd %%ymm0, %%zmm14\n") "vpmovzxwd %%ymm0, %%zmm15\n vpmovzxwd %%ymm0, %%zmm16\n" \
    "vpmovzxwd %%ymm0, %%zmm17\n vpmovzxwd %%ymm0, %%zmm18\n"
MEASURE(permi2, X12("vpermi2ps", "zmm"))
MEASURE(widen, WIDEN12)
MEASURE(fma_permi2, X12("vfmadd231ps", "zmm") Y12("vpermi2ps"))
MEASURE(fma_widen, X12("vfmadd231ps", "zmm") WIDEN12)
MEASURE(shift_permute, SHIFT12 Y12("vpermps"))
MEASURE(shift_scalef, SHIFT12 Y12("vscalefps"))
MEASURE(scalef_permute, X12("vscalefps", "zmm") Y12("vpermps"))
MEASURE(compare_permute, COMPARE12 Y12("vpermps"))
// The 16-bit integer instructions of the bf16/fp16 pair loop: the word test's maximums and its compare into a mask
// register, and fp16's widening of the lower halves (vpmaddwd), each alone and beside FMAs, shifts and permutes.
#define WORDCOMPARE12 REPEAT8("vpcmpgtw %%zmm0, %%zmm1, %%k1\n") "vpcmpgtw %%zmm0, %%zmm1, %%k2\n" \
    "vpcmpgtw %%zmm0, %%zmm1, %%k1\n vpcmpgtw %%zmm0, %%zmm1, %%k2\n vpcmpgtw %%zmm0, %%zmm1, %%k1\n"
MEASURE(pmaddwd, X12("vpmaddwd", "zmm"))
MEASURE(pmaxsw, X12("vpmaxsw", "zmm"))
MEASURE(pmaxuw, X12("vpmaxuw", "zmm"))
MEASURE(word_compare, WORDCOMPARE12)
MEASURE(fma_pmaddwd, X12("vfmadd231ps", "zmm") Y12("vpmaddwd"))
MEASURE(shift_pmaddwd, SHIFT12 Y12("vpmaddwd"))
MEASURE(pmaddwd_permute, X12("vpmaddwd", "zmm") Y12("vpermps"))
MEASURE(fma_pmaxsw, X12("vfmadd231ps", "zmm") Y12("vpmaxsw"))
MEASURE(shift_pmaxsw, SHIFT12 Y12("vpmaxsw"))
MEASURE(pmaxsw_permute, X12("vpmaxsw", "zmm") Y12("vpermps"))
MEASURE(word_compare_permute, WORDCOMPARE12 Y12("vpermps"))
MEASURE(pmaddwd_latency, REPEAT8("vpmaddwd %%zmm0, %%zmm2, %%zmm2\n"))
MEASURE(fma_latency, REPEAT8("vfmadd231ps %%zmm0, %%zmm1, %%zmm2\n"))
MEASURE(add_latency, REPEAT8("vaddps %%zmm0, %%zmm2, %%zmm2\n"))
MEASURE(scalef_latency, REPEAT8("vscalefps %%zmm0, %%zmm2, %%zmm2\n"))

static void avx512_rows(double ghz)
{
    ROW(fma, 12) ROW(fma_ymm, 12) ROW(add, 12) ROW(add_ymm, 12) ROW(mul, 12) ROW(max, 12) ROW(scalef, 12) ROW(permute, 12)
    ROW(and, 12) ROW(shift, 12) ROW(compare, 12)
    ROW(fma_add, 24) ROW(fma_scalef, 24) ROW(add_scalef, 24) ROW(fma_max, 24) ROW(add_max, 24) ROW(fma_permute, 24)
    ROW(add_permute, 24) ROW(fma_and, 24) ROW(add_and, 24) ROW(fma_shift, 24) ROW(add_shift, 24) ROW(fma_compare, 24)
    ROW(add_compare, 24)
    ROW(permi2, 12) ROW(widen, 12) ROW(fma_permi2, 24) ROW(fma_widen, 24) ROW(shift_permute, 24) ROW(shift_scalef, 24)
    ROW(scalef_permute, 24) ROW(compare_permute, 24)
    ROW(pmaddwd, 12) ROW(pmaxsw, 12) ROW(pmaxuw, 12) ROW(word_compare, 12) ROW(fma_pmaddwd, 24) ROW(shift_pmaddwd, 24)
    ROW(pmaddwd_permute, 24) ROW(fma_pmaxsw, 24) ROW(shift_pmaxsw, 24) ROW(pmaxsw_permute, 24)
    ROW(word_compare_permute, 24) ROW(pmaddwd_latency, 8)
    ROW(fma_latency, 8) ROW(add_latency, 8) ROW(scalef_latency, 8)
}
#endif

#ifdef __AVX2__
// ---- AVX2: 256-bit instructions in ymm0-ymm15, ten copies a side ----
// The sources hold ordinary values, built in registers: ymm0 = 1.0 and ymm1 = 2.0 in every lane (as integers, 1.0's
// bits index lane 0 and shift and compare like any other), no zero-idiom registers, which a core may treat as known
// zeros. ymm2-ymm15 start at zero, so the FMA accumulators stay finite. rax takes vmovmskps's result, store_buffer the
// stores (ten 32-byte slots, the same each iteration); vzeroupper after the loop leaves the upper halves clean for the
// C code around it.
//
// An instruction is written up to its destination register's number, e.g. "vaddps %%ymm0, %%ymm1, %%ymm".
// TEN: ten copies into ymm2..ymm11 (for vfmadd231ps, ten accumulator chains).
// BESIDE: ten copies into ymm12..ymm15 in turn, the other side of a pair (write-only destinations: renaming keeps
// the copies independent). FOUR: four copies into ymm12..ymm15.
#define TEN(ins) ins "2\n" ins "3\n" ins "4\n" ins "5\n" ins "6\n" ins "7\n" ins "8\n" ins "9\n" ins "10\n" ins "11\n"
#define FOUR(ins) ins "12\n" ins "13\n" ins "14\n" ins "15\n"
#define BESIDE(ins) FOUR(ins) FOUR(ins) ins "12\n" ins "13\n"
#define YMM_SETUP "vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n vpsrld $25, %%ymm0, %%ymm0\n vpslld $23, %%ymm0, %%ymm0\n" \
    "vaddps %%ymm0, %%ymm0, %%ymm1\n" TEN("vxorps %%ymm2, %%ymm2, %%ymm") "vxorps %%ymm12, %%ymm12, %%ymm12\n"  \
    "vxorps %%ymm13, %%ymm13, %%ymm13\n vxorps %%ymm14, %%ymm14, %%ymm14\n vxorps %%ymm15, %%ymm15, %%ymm15\n"
#define YMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", \
    "xmm12", "xmm13", "xmm14", "xmm15", "rax", "memory"
static float store_buffer[80] __attribute__((used, aligned(64)));
#define MEASURE_YMM(name, body) TIMED(avx2_##name, YMM_SETUP, body, "vzeroupper\n", YMM_CLOBBERS)

#define FMA "vfmadd231ps %%ymm0, %%ymm1, %%ymm"
#define ADD "vaddps %%ymm0, %%ymm1, %%ymm"
#define MUL "vmulps %%ymm0, %%ymm1, %%ymm"
#define MAX "vmaxps %%ymm0, %%ymm1, %%ymm"
#define COMPARE "vcmpps $14, %%ymm0, %%ymm1, %%ymm" // greater than, into a vector of all-ones or zero lanes
#define BLENDV "vblendvps %%ymm1, %%ymm0, %%ymm1, %%ymm"
#define PERMD "vpermd %%ymm1, %%ymm0, %%ymm" // AT&T order: table ymm1, indices ymm0
#define PERMPS "vpermps %%ymm1, %%ymm0, %%ymm"
#define SHIFT "vpslld $20, %%ymm0, %%ymm"
#define SHIFT_ARITH "vpsrad $3, %%ymm0, %%ymm"
#define PADDD "vpaddd %%ymm0, %%ymm1, %%ymm"
#define PMAXSD "vpmaxsd %%ymm0, %%ymm1, %%ymm"
#define PAND "vpand %%ymm0, %%ymm1, %%ymm"
#define ANDPS "vandps %%ymm0, %%ymm1, %%ymm"
#define CVTPH2PS "vcvtph2ps %%xmm0, %%ymm"          // 8 fp16 to 8 floats
#define PMOVZXWD "vpmovzxwd %%xmm0, %%ymm"          // 8 uint16 to 8 uint32 (crosses the 128-bit halves)
#define PUNPCKLWD "vpunpcklwd %%ymm0, %%ymm1, %%ymm" // interleaves 16-bit elements within each 128-bit half
// Without a vector destination: vptest sets flags (two ops on AMD: a vector op, then a transfer to the integer side);
// vmovmskps writes a general register.
#define PTEST10 REPEAT10("vptest %%ymm1, %%ymm0\n")
#define MOVMSK10 REPEAT10("vmovmskps %%ymm0, %%eax\n")
// Ten stores of a ymm register, as the loops' spills.
#define STORE(offset) "vmovups %%ymm0, store_buffer+" #offset "(%%rip)\n"
#define STORE10 STORE(0) STORE(32) STORE(64) STORE(96) STORE(128) STORE(160) STORE(192) STORE(224) STORE(256) STORE(288)

MEASURE_YMM(fma, TEN(FMA))
MEASURE_YMM(add, TEN(ADD))
MEASURE_YMM(mul, TEN(MUL))
MEASURE_YMM(max, TEN(MAX))
MEASURE_YMM(compare, TEN(COMPARE))
MEASURE_YMM(blendv, TEN(BLENDV))
MEASURE_YMM(permd, TEN(PERMD))
MEASURE_YMM(permps, TEN(PERMPS))
MEASURE_YMM(shift, TEN(SHIFT))
MEASURE_YMM(shift_arith, TEN(SHIFT_ARITH))
MEASURE_YMM(paddd, TEN(PADDD))
MEASURE_YMM(pmaxsd, TEN(PMAXSD))
MEASURE_YMM(pand, TEN(PAND))
MEASURE_YMM(andps, TEN(ANDPS))
MEASURE_YMM(ptest, PTEST10)
MEASURE_YMM(movmsk, MOVMSK10)
MEASURE_YMM(cvtph2ps, TEN(CVTPH2PS))
MEASURE_YMM(pmovzxwd, TEN(PMOVZXWD))
MEASURE_YMM(punpcklwd, TEN(PUNPCKLWD))
MEASURE_YMM(store, STORE10)

// Pairs with ten FMAs and with ten adds.
#define PAIRS(name, other)                  \
    MEASURE_YMM(fma_##name, TEN(FMA) other) \
    MEASURE_YMM(add_##name, TEN(ADD) other)
MEASURE_YMM(fma_add, TEN(FMA) BESIDE(ADD))
PAIRS(mul, BESIDE(MUL))
PAIRS(max, BESIDE(MAX))
PAIRS(compare, BESIDE(COMPARE))
PAIRS(blendv, BESIDE(BLENDV))
PAIRS(permd, BESIDE(PERMD))
PAIRS(shift, BESIDE(SHIFT))
PAIRS(paddd, BESIDE(PADDD))
PAIRS(pmaxsd, BESIDE(PMAXSD))
PAIRS(pand, BESIDE(PAND))
PAIRS(ptest, PTEST10)
PAIRS(movmsk, MOVMSK10)
PAIRS(cvtph2ps, BESIDE(CVTPH2PS))
PAIRS(pmovzxwd, BESIDE(PMOVZXWD))
PAIRS(punpcklwd, BESIDE(PUNPCKLWD))
PAIRS(store, STORE10)
// Pairs among the rest: which of them share pipes with each other (the shift with a multiply: one of its two pipes is
// an FMA pipe; vpermd with the instructions that cross or shuffle lanes; vptest and stores with a multiply, which
// reads two registers where an FMA reads three).
MEASURE_YMM(mul_shift, TEN(MUL) BESIDE(SHIFT))
MEASURE_YMM(punpcklwd_shift, TEN(PUNPCKLWD) BESIDE(SHIFT))
MEASURE_YMM(compare_max, TEN(COMPARE) BESIDE(MAX))
MEASURE_YMM(fma_add_pmaxsd, TEN(FMA) BESIDE(ADD) BESIDE(PMAXSD))
MEASURE_YMM(shift_permd, TEN(SHIFT) BESIDE(PERMD))
MEASURE_YMM(cvtph2ps_permd, TEN(CVTPH2PS) BESIDE(PERMD))
MEASURE_YMM(pmovzxwd_permd, TEN(PMOVZXWD) BESIDE(PERMD))
MEASURE_YMM(shift_cvtph2ps, TEN(SHIFT) BESIDE(CVTPH2PS))
MEASURE_YMM(mul_ptest, TEN(MUL) PTEST10)
MEASURE_YMM(shift_ptest, TEN(SHIFT) PTEST10)
MEASURE_YMM(movmsk_ptest, MOVMSK10 PTEST10)
MEASURE_YMM(mul_store, TEN(MUL) STORE10)
MEASURE_YMM(ptest_store, PTEST10 STORE10)
// Four vpermd beside ten FMAs: what a table lookup (the 256-bit exp has one a vector) costs busy FMA pipes.
MEASURE_YMM(fma_permd4, TEN(FMA) FOUR(PERMD))

// Dependent chains of eight: each instruction takes the previous one's result.
MEASURE_YMM(fma_latency, REPEAT8("vfmadd231ps %%ymm0, %%ymm1, %%ymm2\n"))
MEASURE_YMM(add_latency, REPEAT8("vaddps %%ymm0, %%ymm2, %%ymm2\n"))
MEASURE_YMM(permd_latency, REPEAT8("vpermd %%ymm1, %%ymm2, %%ymm2\n"))       // through the indices, as the exp
MEASURE_YMM(permd_table_latency, REPEAT8("vpermd %%ymm2, %%ymm0, %%ymm2\n")) // through the table
MEASURE_YMM(paddd_latency, REPEAT8("vpaddd %%ymm0, %%ymm2, %%ymm2\n"))

#define YROW(f, instructions) row(#f, measure_avx2_##f(ghz), instructions);
#define YPAIRS(name) YROW(fma_##name, 20) YROW(add_##name, 20)

static void avx2_rows(double ghz)
{
    YROW(fma, 10) YROW(add, 10) YROW(mul, 10) YROW(max, 10) YROW(compare, 10) YROW(blendv, 10) YROW(permd, 10)
    YROW(permps, 10) YROW(shift, 10) YROW(shift_arith, 10) YROW(paddd, 10) YROW(pmaxsd, 10) YROW(pand, 10)
    YROW(andps, 10) YROW(ptest, 10) YROW(movmsk, 10) YROW(cvtph2ps, 10) YROW(pmovzxwd, 10) YROW(punpcklwd, 10)
    YROW(store, 10)
    YROW(fma_add, 20)
    YPAIRS(mul) YPAIRS(max) YPAIRS(compare) YPAIRS(blendv) YPAIRS(permd) YPAIRS(shift) YPAIRS(paddd) YPAIRS(pmaxsd)
    YPAIRS(pand) YPAIRS(ptest) YPAIRS(movmsk) YPAIRS(cvtph2ps) YPAIRS(pmovzxwd) YPAIRS(punpcklwd) YPAIRS(store)
    YROW(mul_shift, 20) YROW(punpcklwd_shift, 20) YROW(compare_max, 20) YROW(fma_add_pmaxsd, 30) YROW(shift_permd, 20)
    YROW(cvtph2ps_permd, 20) YROW(pmovzxwd_permd, 20) YROW(shift_cvtph2ps, 20) YROW(mul_ptest, 20)
    YROW(shift_ptest, 20) YROW(movmsk_ptest, 20) YROW(mul_store, 20) YROW(ptest_store, 20) YROW(fma_permd4, 14)
    YROW(fma_latency, 8) YROW(add_latency, 8) YROW(permd_latency, 8) YROW(permd_table_latency, 8)
    YROW(paddd_latency, 8)
}
#endif

static double clock_ghz(void)
{
    double best = 0;
    for (int k = 0; k < 5; k++)
    {
        long n = ITERATIONS * 5, one = 1;
        double t = now();
        // A register operand, not an immediate: Intel cores since Golden Cove fold a chain of immediate adds at rename
        // (add $1 sixteen times ran as if at 8.9 GHz on a Sapphire Rapids), while a register add is one cycle on all.
        __asm__ volatile("1:\n" REPEAT8("add %1, %%rax\n") REPEAT8("add %1, %%rax\n") "dec %0\n jnz 1b"
                         : "+r"(n) : "r"(one) : "rax");
        t = now() - t;
        double ghz = 16.0 * ITERATIONS * 5 / t / 1e9;
        if (ghz > best) best = ghz;
    }
    return best;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    // CPUID leaf 1: the displayed family and model (base plus extended fields), as lscpu prints them.
    unsigned a = 0, b, c, d;
    __get_cpuid(1, &a, &b, &c, &d);
    unsigned family = (a >> 8 & 0xF) + ((a >> 8 & 0xF) == 0xF ? (a >> 20 & 0xFF) : 0);
    unsigned model = (a >> 4 & 0xF) | ((a >> 8 & 0xF) == 0x6 || (a >> 8 & 0xF) == 0xF ? (a >> 16 & 0xF) << 4 : 0);
    double ghz = clock_ghz();
    printf("{\"measure\":\"clock\",\"ghz\":%.3f,\"cpu_family\":%u,\"cpu_model\":%u}\n", ghz, family, model);
    if (strcmp(mode, "--clock") == 0) return 0;
    if (strcmp(mode, "--avx2") == 0)
    {
#ifdef __AVX2__
        avx2_rows(ghz);
        return 0;
#else
        fprintf(stderr, "pipes: built without AVX2 (gcc -O2 -mavx2 -mfma)\n");
        return 1;
#endif
    }
#ifdef __AVX512F__
    avx512_rows(ghz);
    return 0;
#else
    fprintf(stderr, "pipes: built without AVX-512; run with --avx2 or --clock\n");
    return 1;
#endif
}
