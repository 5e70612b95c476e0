/* The C ABI's throughput: lossengine_cross_entropy (reduction none) or lossengine_statistics over rows of f32 logits
 * streamed from memory, printed as one JSON line with the fields of the .NET quick mode (bench/native-abi/compare.sh
 * runs both and this file's Python twin alternately).
 *
 *   abi_bench [--kernel cross_entropy|statistics] [--threads N] [--vocab V] [--buffer-mib M] [--seconds S]
 *             [--huge-pages 0|1] [--offset-bytes B]
 *
 * The shapes are quick mode's: rows of V logits filling M MiB (default 1024, far beyond the last-level cache) in
 * whole 128 MiB blocks, drawn from the same distribution (four uniforms summed, centred, standard deviation 3), with
 * the same targets; the library's own threads split the rows. GB/s is logit bytes per second, the median pass. The
 * logits sit in 4 KiB pages, as quick mode's do where transparent huge pages are "madvise"; --huge-pages 1 asks for
 * 2 MiB pages (madvise), as numpy does for large arrays. The first row starts on a 64-byte boundary, or B bytes past
 * one (numpy's large arrays start 16 bytes past one). */
#define _DEFAULT_SOURCE
#include "lossengine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int compare_doubles(const void* a, const void* b) {
    double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

static int run(const char* kernel, const float* logits, int64_t rows, int64_t vocab, const int64_t* targets,
               int threads, void* out) {
    if (strcmp(kernel, "cross_entropy") == 0) {
        lossengine_cross_entropy_options options;
        lossengine_cross_entropy_options_init(&options);
        options.threads = threads;
        options.reduction = LOSSENGINE_REDUCTION_NONE;
        return lossengine_cross_entropy(logits, rows, vocab, vocab, LOSSENGINE_F32, targets, &options, out, NULL);
    }
    lossengine_scoring_options options;
    lossengine_scoring_options_init(&options);
    options.threads = threads;
    return lossengine_statistics(logits, rows, vocab, vocab, LOSSENGINE_F32, targets, &options, out);
}

int main(int argc, char** argv) {
    const char* kernel = "cross_entropy";
    int threads = 1;
    int64_t vocab = 128256, buffer_mib = 1024;
    double seconds = 3;
    int huge_pages = 0, offset_bytes = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--kernel") == 0) kernel = argv[i + 1];
        else if (strcmp(argv[i], "--threads") == 0) threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--vocab") == 0) vocab = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--buffer-mib") == 0) buffer_mib = atoll(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0) seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--huge-pages") == 0) huge_pages = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--offset-bytes") == 0) offset_bytes = atoi(argv[i + 1]);
        else { fprintf(stderr, "abi_bench: unknown argument %s\n", argv[i]); return 2; }
    }
    if (strcmp(kernel, "cross_entropy") != 0 && strcmp(kernel, "statistics") != 0) {
        fprintf(stderr, "abi_bench: --kernel cross_entropy|statistics\n");
        return 2;
    }
    if (!lossengine_version()) {
        fprintf(stderr, "abi_bench: %s\n", lossengine_last_error());
        return 1;
    }

    int64_t rows_per_block = (128 << 20) / (vocab * 4), blocks = (buffer_mib << 20) / (rows_per_block * vocab * 4);
    int64_t rows = rows_per_block * (blocks > 0 ? blocks : 1), elements = rows * vocab;
    size_t bytes = (size_t)elements * sizeof(float);
    if (offset_bytes < 0 || offset_bytes > 63) {
        fprintf(stderr, "abi_bench: --offset-bytes 0 to 63\n");
        return 2;
    }
    /* 64-byte alignment, as the .NET quick mode's NativeMemory.AlignedAlloc and abi_bench.py ask for: glibc then puts
     * a buffer this large 64 bytes past a page boundary, as it does theirs. (Starting on the page boundary itself, as a
     * 2 MiB alignment would, streamed cross-entropy on one Zen 5 core at about 0.8x the rate.) */
    char* allocation = aligned_alloc(64, bytes + 64);
    float* logits = (float*)(allocation + offset_bytes);
    int64_t* targets = malloc((size_t)rows * sizeof(int64_t));
    void* out = malloc((size_t)rows * sizeof(lossengine_token_statistics));
    if (!allocation || !targets || !out) {
        fprintf(stderr, "abi_bench: out of memory\n");
        return 1;
    }
    if (huge_pages && madvise((void*)((uintptr_t)allocation & ~(uintptr_t)4095), bytes + 4096, MADV_HUGEPAGE) != 0) perror("abi_bench: madvise");
    unsigned long long state = 1234;
    for (int64_t i = 0; i < elements; i++) {
        float sum = 0;
        for (int k = 0; k < 4; k++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            sum += (float)(state >> 40) * (1.0f / 16777216.0f);
        }
        logits[i] = (sum - 2.0f) * 5.196f;
    }
    for (int64_t r = 0; r < rows; r++) targets[r] = (r * 7919) % vocab;

    if (run(kernel, logits, 4, vocab, targets, threads, out) != LOSSENGINE_OK) { /* warm-up: the runtime starts */
        fprintf(stderr, "abi_bench: %s\n", lossengine_last_error());
        return 1;
    }
    double passes[4096], start = now(), pass_bytes = (double)elements * sizeof(float);
    int count = 0;
    while (count < 4096 && (now() - start < seconds || count < 3)) {
        double t = now();
        run(kernel, logits, rows, vocab, targets, threads, out);
        passes[count++] = pass_bytes / (now() - t);
    }
    qsort(passes, (size_t)count, sizeof(double), compare_doubles);
    const char* level = getenv("LOSSENGINE_ISA");
    printf("{\"front\":\"c\",\"kernel\":\"%s\",\"dtype\":\"f32\",\"vocab\":%lld,\"rows\":%lld,\"threads\":%d,"
           "\"gbps\":%.3f,\"simd_bits\":%d,\"level\":\"%s\",\"huge_pages\":%s,\"offset_bytes\":%d}\n",
           kernel, (long long)vocab, (long long)rows, threads, passes[count / 2] / 1e9, lossengine_vector_bits(),
           level && *level ? level : "default", huge_pages ? "true" : "false", offset_bytes);
    free(allocation);
    free(targets);
    free(out);
    return 0;
}
