/*
 * liblossengine.so on linux-x64: a loader in front of four NativeAOT builds of the library, one per x86-64 level, in
 * the same folder: liblossengine-x86-64.so (any x86-64 CPU, 128-bit vectors), liblossengine-x86-64-v2.so (SSE4.2,
 * 128), liblossengine-x86-64-v3.so (AVX2, 256) and liblossengine-x86-64-v4.so (AVX-512, 512). The x86-64 build only
 * keeps CPUs without SSE4.2 (before about 2009) working: with SSE4 outside its baseline, its 128-bit kernels run about
 * 8x slower than the x86-64-v2 build's.
 *
 * Why: NativeAOT fixes the instruction set when it compiles. Vector256/Vector512.IsHardwareAccelerated are constants
 * in the image, ILC never puts AVX2 or AVX-512 code behind a run-time check, and an image built for a level the CPU
 * lacks stops the process when its runtime starts. So this loader reads CPUID once, when it is loaded, opens the widest
 * build the CPU runs, and forwards every function of lossengine.h to it (a test and an indirect jump per call).
 *
 * LOSSENGINE_ISA=x86-64|x86-64-v2|x86-64-v3|x86-64-v4 picks a build instead (tests run every level on one machine this
 * way). A level the CPU cannot run is refused rather than loaded. When no build can be loaded, every function that
 * returns a status returns LOSSENGINE_INTERNAL, lossengine_last_error() says why, lossengine_version() returns NULL and
 * lossengine_vector_bits() returns -1.
 */
#define _GNU_SOURCE
#include "lossengine.h"

#include <cpuid.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every export: return type, name, parameters, arguments, and the result when no build is loaded. */
#define LOSSENGINE_VALUE_FUNCTIONS(X)                                                                                  \
    X(const char*, lossengine_version, (void), (), NULL)                                                               \
    X(const char*, lossengine_last_error, (void), (), load_error)                                                      \
    X(int32_t, lossengine_vector_bits, (void), (), -1)                                                                 \
    X(int32_t, lossengine_logsumexp, (const void* row, int64_t length, int32_t dtype, float* result),                  \
      (row, length, dtype, result), LOSSENGINE_INTERNAL)                                                               \
    X(int32_t, lossengine_softmax, (const void* row, int64_t length, int32_t dtype, float* probabilities),             \
      (row, length, dtype, probabilities), LOSSENGINE_INTERNAL)                                                        \
    X(int32_t, lossengine_log_softmax, (const void* row, int64_t length, int32_t dtype, float* log_probabilities),     \
      (row, length, dtype, log_probabilities), LOSSENGINE_INTERNAL)                                                    \
    X(int32_t, lossengine_cross_entropy,                                                                               \
      (const void* logits, int64_t rows, int64_t vocab, int64_t row_pitch, int32_t dtype, const int64_t* targets,      \
       const lossengine_cross_entropy_options* options, float* losses, double* reduced),                               \
      (logits, rows, vocab, row_pitch, dtype, targets, options, losses, reduced), LOSSENGINE_INTERNAL)                 \
    X(int32_t, lossengine_statistics,                                                                                  \
      (const void* logits, int64_t rows, int64_t vocab, int64_t row_pitch, int32_t dtype, const int64_t* targets,      \
       const lossengine_scoring_options* options, lossengine_token_statistics* statistics),                            \
      (logits, rows, vocab, row_pitch, dtype, targets, options, statistics), LOSSENGINE_INTERNAL)                      \
    X(int32_t, lossengine_compare,                                                                                     \
      (const void* reference, const void* candidate, int64_t rows, int64_t vocab, int64_t row_pitch, int32_t dtype,    \
       const int64_t* targets, const lossengine_scoring_options* options, lossengine_comparison_statistics* results),  \
      (reference, candidate, rows, vocab, row_pitch, dtype, targets, options, results), LOSSENGINE_INTERNAL)           \
    X(int32_t, lossengine_aggregator_create,                                                                           \
      (const char* const* task_names, int32_t task_count, int32_t top_k, int32_t worst_examples,                       \
       lossengine_aggregator** out),                                                                                   \
      (task_names, task_count, top_k, worst_examples, out), LOSSENGINE_INTERNAL)                                       \
    X(int32_t, lossengine_aggregator_add,                                                                              \
      (lossengine_aggregator* aggregator, const lossengine_token_statistics* tokens, const int32_t* task_ids,          \
       const int64_t* example_ids, const int64_t* targets, const int32_t* byte_lengths, int64_t count),                 \
      (aggregator, tokens, task_ids, example_ids, targets, byte_lengths, count), LOSSENGINE_INTERNAL)                  \
    X(int32_t, lossengine_aggregator_merge, (lossengine_aggregator* into, const lossengine_aggregator* other),         \
      (into, other), LOSSENGINE_INTERNAL)                                                                              \
    X(int32_t, lossengine_aggregator_append, (lossengine_aggregator* into, const lossengine_aggregator* next),         \
      (into, next), LOSSENGINE_INTERNAL)                                                                               \
    X(int32_t, lossengine_aggregator_to_json, (lossengine_aggregator* aggregator, char** json), (aggregator, json),    \
      LOSSENGINE_INTERNAL)                                                                                             \
    X(int32_t, lossengine_aggregator_from_json, (const char* json, lossengine_aggregator** out), (json, out),          \
      LOSSENGINE_INTERNAL)                                                                                             \
    X(int32_t, lossengine_aggregator_free, (lossengine_aggregator* aggregator), (aggregator), LOSSENGINE_INTERNAL)     \
    X(int32_t, lossengine_score_files,                                                                                 \
      (const char* const* paths, int32_t count, const lossengine_file_options* options, lossengine_aggregator** out),  \
      (paths, count, options, out), LOSSENGINE_INTERNAL)                                                               \
    X(int32_t, lossengine_compare_files,                                                                               \
      (const char* const* reference_paths, const char* const* candidate_paths, int32_t count,                          \
       const lossengine_file_options* options, lossengine_comparison** out),                                           \
      (reference_paths, candidate_paths, count, options, out), LOSSENGINE_INTERNAL)                                    \
    X(int32_t, lossengine_comparison_merge, (lossengine_comparison* into, const lossengine_comparison* other),         \
      (into, other), LOSSENGINE_INTERNAL)                                                                              \
    X(int32_t, lossengine_comparison_append, (lossengine_comparison* into, const lossengine_comparison* next),         \
      (into, next), LOSSENGINE_INTERNAL)                                                                               \
    X(int32_t, lossengine_comparison_to_json, (lossengine_comparison* comparison, char** json), (comparison, json),    \
      LOSSENGINE_INTERNAL)                                                                                             \
    X(int32_t, lossengine_comparison_from_json, (const char* json, lossengine_comparison** out), (json, out),          \
      LOSSENGINE_INTERNAL)                                                                                             \
    X(int32_t, lossengine_comparison_free, (lossengine_comparison* comparison), (comparison), LOSSENGINE_INTERNAL)

/* The exports without a result: without a build they do nothing. */
#define LOSSENGINE_VOID_FUNCTIONS(X)                                                                                   \
    X(lossengine_scoring_options_init, (lossengine_scoring_options* options), (options))                               \
    X(lossengine_cross_entropy_options_init, (lossengine_cross_entropy_options* options), (options))                   \
    X(lossengine_file_options_init, (lossengine_file_options* options), (options))                                     \
    X(lossengine_struct_sizes, (int64_t* sizes), (sizes))                                                              \
    X(lossengine_free_string, (char* text), (text))

static char load_error[8192] = "liblossengine: no build loaded yet";

/* The definitions below repeat the header's prototypes, so the compiler checks every forwarder against them. */
#define DEFINE_VALUE(type, name, parameters, arguments, unloaded)                                                      \
    static type(*target_##name) parameters;                                                                            \
    type name parameters { return target_##name ? target_##name arguments : (unloaded); }
#define DEFINE_VOID(name, parameters, arguments)                                                                       \
    static void(*target_##name) parameters;                                                                            \
    void name parameters {                                                                                             \
        if (target_##name) target_##name arguments;                                                                    \
    }
LOSSENGINE_VALUE_FUNCTIONS(DEFINE_VALUE)
LOSSENGINE_VOID_FUNCTIONS(DEFINE_VOID)

enum level { LEVEL_V1 = 1, LEVEL_V2 = 2, LEVEL_V3 = 3, LEVEL_V4 = 4 };

static const struct {
    enum level level;
    const char* name;
    const char* needs;
} builds[] = {
    {LEVEL_V4, "x86-64-v4", "x86-64-v3 and AVX-512 F, BW, CD, DQ and VL enabled by the OS"},
    {LEVEL_V3, "x86-64-v3", "x86-64-v2 and AVX2, FMA, BMI1, BMI2, F16C, LZCNT and MOVBE with AVX enabled by the OS"},
    {LEVEL_V2, "x86-64-v2", "SSE3, SSSE3, SSE4.1, SSE4.2 and POPCNT"},
    {LEVEL_V1, "x86-64", "any x86-64 CPU"},
};

static unsigned long long enabled_state(void) {
    unsigned int low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((unsigned long long)high << 32) | low;
}

#define BIT(register, bit) (((register) >> (bit)) & 1u)

/* The x86-64 level this CPU runs, by the tests .NET 10's runtime applies before it starts a NativeAOT image compiled
 * for x86-64-v2 (its sse4.2 group), x86-64-v3 (and its avx and avx2 groups) or x86-64-v4 (and its avx512 group); a
 * build the runtime would refuse would end the process instead of returning an error. */
static enum level cpu_level(void) {
    unsigned int eax, ebx, ecx, edx, leaf1;
    if (__get_cpuid_max(0, NULL) < 7 || !__get_cpuid(1, &eax, &ebx, &leaf1, &edx)) return LEVEL_V1;
    /* SSE3 (0), SSSE3 (9), SSE4.1 (19), SSE4.2 (20), POPCNT (23). */
    int sse42 = BIT(leaf1, 0) && BIT(leaf1, 9) && BIT(leaf1, 19) && BIT(leaf1, 20) && BIT(leaf1, 23);
    /* OSXSAVE (27) and AVX (28), and XCR0 saves the XMM and YMM registers (bits 1 and 2). */
    int avx = BIT(leaf1, 27) && BIT(leaf1, 28) && (enabled_state() & 0x06) == 0x06;
    /* FMA (12), MOVBE (22), F16C (29); LZCNT is bit 5 of leaf 0x80000001's ECX. */
    int fma_movbe_f16c = BIT(leaf1, 12) && BIT(leaf1, 22) && BIT(leaf1, 29);
    int lzcnt = __get_cpuid(0x80000001, &eax, &ebx, &ecx, &edx) && BIT(ecx, 5);
    /* Leaf 7 EBX: BMI1 (3), AVX2 (5), BMI2 (8). */
    __cpuid_count(7, 0, eax, ebx, ecx, edx);
    int avx2_bmi = BIT(ebx, 3) && BIT(ebx, 5) && BIT(ebx, 8);
    if (!sse42) return LEVEL_V1;
    if (!(avx && fma_movbe_f16c && lzcnt && avx2_bmi)) return LEVEL_V2;
    /* AVX-512 F (16), DQ (17), CD (28), BW (30), VL (31), and XCR0 saves the opmask registers and both halves of the
     * ZMM registers (bits 5 to 7). */
    int avx512 = BIT(ebx, 16) && BIT(ebx, 17) && BIT(ebx, 28) && BIT(ebx, 30) && BIT(ebx, 31) &&
                 (enabled_state() & 0xE6) == 0xE6;
    return avx512 ? LEVEL_V4 : LEVEL_V3;
}

/* .NET's JIT does not accelerate Vector512 on the Intel cores that lower their clock for 512-bit instructions (family
 * 6, models 0x55 Skylake-SP/Cascade Lake/Cooper Lake and 0x66 Cannon Lake), so on them the default is the AVX2 build,
 * and the library's width stays the .NET runtime's. LOSSENGINE_ISA=x86-64-v4 still loads the AVX-512 build there. */
static int throttles_512_bit(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(0, &eax, &ebx, &ecx, &edx)) return 0;
    int intel = ebx == 0x756E6547 && edx == 0x49656E69 && ecx == 0x6C65746E; /* "GenuineIntel" */
    if (!intel || !__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned int family = (eax >> 8) & 0xF, model = ((eax >> 12) & 0xF0) | ((eax >> 4) & 0xF);
    return family == 6 && (model == 0x55 || model == 0x66);
}

/* The build to load: the one LOSSENGINE_ISA names, or the widest this CPU runs; -1 (with load_error set) if none. */
static int choose_build(void) {
    enum level cpu = cpu_level();
    const char* requested = getenv("LOSSENGINE_ISA");
    if (!requested || !*requested) {
        if (cpu == LEVEL_V4 && throttles_512_bit()) cpu = LEVEL_V3;
        for (int i = 0; i < (int)(sizeof builds / sizeof builds[0]); i++)
            if (builds[i].level <= cpu) return i;
        return -1;
    }
    for (int i = 0; i < (int)(sizeof builds / sizeof builds[0]); i++) {
        if (strcmp(requested, builds[i].name) != 0) continue;
        if (builds[i].level <= cpu) return i;
        snprintf(load_error, sizeof load_error, "liblossengine: LOSSENGINE_ISA=%s needs %s, which this CPU lacks",
                 requested, builds[i].needs);
        return -1;
    }
    snprintf(load_error, sizeof load_error,
             "liblossengine: LOSSENGINE_ISA=%s is not one of x86-64-v4, x86-64-v3, x86-64-v2, x86-64 (or unset: the "
             "widest this CPU runs)", requested);
    return -1;
}

__attribute__((constructor)) static void load_build(void) {
    int chosen = choose_build();
    if (chosen < 0) return;

    /* The builds sit next to this file, wherever it was installed (a Python package, /usr/lib, artifacts/native). */
    Dl_info self;
    char path[4096];
    if (!dladdr((void*)&lossengine_version, &self) || !self.dli_fname) {
        snprintf(load_error, sizeof load_error, "liblossengine: dladdr cannot tell which file it was loaded from");
        return;
    }
    const char* slash = strrchr(self.dli_fname, '/');
    int folder = slash ? (int)(slash - self.dli_fname + 1) : 0;
    if (snprintf(path, sizeof path, "%.*sliblossengine-%s.so", folder, self.dli_fname, builds[chosen].name) >=
        (int)sizeof path) {
        snprintf(load_error, sizeof load_error, "liblossengine: the path of %s is too long", self.dli_fname);
        return;
    }

    void* build = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!build) {
        snprintf(load_error, sizeof load_error, "liblossengine: cannot load its %s build: %s", builds[chosen].name,
                 dlerror());
        return;
    }

    /* All or nothing: a build without one of the functions is left unused. */
    const char* missing = NULL;
#define RESOLVE_VALUE(type, name, parameters, arguments, unloaded) \
    type(*resolved_##name) parameters = (type(*) parameters)dlsym(build, #name); \
    if (!resolved_##name && !missing) missing = #name;
#define RESOLVE_VOID(name, parameters, arguments) \
    void(*resolved_##name) parameters = (void(*) parameters)dlsym(build, #name); \
    if (!resolved_##name && !missing) missing = #name;
    LOSSENGINE_VALUE_FUNCTIONS(RESOLVE_VALUE)
    LOSSENGINE_VOID_FUNCTIONS(RESOLVE_VOID)
    if (missing) {
        snprintf(load_error, sizeof load_error, "liblossengine: %s does not export %s", path, missing);
        dlclose(build);
        return;
    }
#define INSTALL_VALUE(type, name, parameters, arguments, unloaded) target_##name = resolved_##name;
#define INSTALL_VOID(name, parameters, arguments) target_##name = resolved_##name;
    LOSSENGINE_VALUE_FUNCTIONS(INSTALL_VALUE)
    LOSSENGINE_VOID_FUNCTIONS(INSTALL_VOID)
}
