/* Calls every function of the C ABI, checks results against a naive C reference in double, and checks error paths. */
#include "lossengine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

#define CHECK(condition, ...)                                                   \
    do {                                                                        \
        if (!(condition)) {                                                     \
            failures++;                                                         \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                \
            fprintf(stderr, __VA_ARGS__);                                       \
            fprintf(stderr, " (last error: %s)\n",                              \
                    lossengine_last_error() ? lossengine_last_error() : "none"); \
        }                                                                       \
    } while (0)

static double reference_lse(const float* x, int n) {
    double max = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++) max = x[i] > max ? x[i] : max;
    for (int i = 0; i < n; i++) sum += exp(x[i] - max);
    return max + log(sum);
}

static double reference_kl(const float* a, const float* b, int n) {
    double la = reference_lse(a, n), lb = reference_lse(b, n), kl = 0;
    for (int i = 0; i < n; i++) kl += exp(a[i] - la) * ((a[i] - la) - (b[i] - lb));
    return kl;
}

static uint16_t to_bf16(float value) { /* exact for the values used here: they have at most 8 significant bits */
    uint32_t bits;
    memcpy(&bits, &value, 4);
    return (uint16_t)(bits >> 16);
}

static uint16_t to_f16(float value) { /* normal values with at most 11 significant bits, |value| in [2^-14, 65504] */
    uint32_t bits;
    memcpy(&bits, &value, 4);
    if ((bits & 0x7FFFFFFF) == 0) return (uint16_t)(bits >> 16);
    uint32_t sign = (bits >> 16) & 0x8000, exponent = ((bits >> 23) & 0xFF) - 127 + 15, mantissa = (bits >> 13) & 0x3FF;
    return (uint16_t)(sign | (exponent << 10) | mantissa);
}

/* The text of a JSON report without its "inputs" value (the one field that names files): a malloc'd copy. */
static char* without_inputs(const char* json) {
    char* copy = malloc(strlen(json) + 1);
    strcpy(copy, json);
    char* key = strstr(copy, "\"inputs\": ");
    if (!key) return copy;
    char* value = key + strlen("\"inputs\": ");
    int depth = 0;
    char* end = value;
    do {
        if (*end == '[' || *end == '{') depth++;
        if (*end == ']' || *end == '}') depth--;
        end++;
    } while (depth > 0 && *end);
    memmove(value, end, strlen(end) + 1);
    return copy;
}

static char* read_file(const char* path) {
    FILE* file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long length = ftell(file);
    fseek(file, 0, SEEK_SET);
    char* text = malloc((size_t)length + 1);
    size_t read = fread(text, 1, (size_t)length, file);
    text[read] = 0;
    fclose(file);
    return text;
}

/* Scores and compares dump files through the ABI and checks the reports equal the CLI's, text for text. */
static void check_files(const char* dump_a, const char* dump_b, const char* cli_score, const char* cli_compare) {
    lossengine_file_options options;
    lossengine_file_options_init(&options);
    CHECK(options.ignore_index == -100 && options.temperature == 1 && options.top_k == 5 && options.worst_examples == 10 && options.task_count == 0, "file option defaults");
    options.threads = 2;
    const char* paths[1] = {dump_a};
    const char* candidates[1] = {dump_b};
    lossengine_aggregator* scored = NULL;
    CHECK(lossengine_score_files(paths, 1, &options, &scored) == LOSSENGINE_OK && scored, "score_files");
    char* json = NULL;
    CHECK(lossengine_aggregator_to_json(scored, &json) == LOSSENGINE_OK && json, "score_files to_json");
    char* expected = read_file(cli_score);
    CHECK(expected != NULL, "read %s", cli_score);
    if (json && expected) {
        char *a = without_inputs(json), *b = without_inputs(expected);
        CHECK(strcmp(a, b) == 0, "score_files report differs from `lossengine score --json` (%zu vs %zu chars)", strlen(a), strlen(b));
        free(a); free(b);
    }
    lossengine_free_string(json);
    free(expected);

    lossengine_comparison* compared = NULL;
    lossengine_comparison* shard = NULL;
    CHECK(lossengine_compare_files(paths, candidates, 1, &options, &compared) == LOSSENGINE_OK && compared, "compare_files");
    CHECK(lossengine_compare_files(paths, candidates, 1, NULL, &shard) == LOSSENGINE_OK && shard, "compare_files, default options");
    json = NULL;
    CHECK(lossengine_comparison_to_json(compared, &json) == LOSSENGINE_OK && json, "comparison to_json");
    expected = read_file(cli_compare);
    if (json && expected) {
        char *a = without_inputs(json), *b = without_inputs(expected);
        CHECK(strcmp(a, b) == 0, "compare_files report differs from `lossengine compare --json` (%zu vs %zu chars)", strlen(a), strlen(b));
        free(a); free(b);
    }
    free(expected);

    /* Round trip, merge and append; a comparison merged with itself is refused. */
    lossengine_comparison* restored = NULL;
    CHECK(json && lossengine_comparison_from_json(json, &restored) == LOSSENGINE_OK && restored, "comparison from_json");
    char* again = NULL;
    CHECK(restored && lossengine_comparison_to_json(restored, &again) == LOSSENGINE_OK && again && strcmp(json, again) == 0, "comparison JSON round trip");
    lossengine_free_string(again);
    CHECK(lossengine_comparison_merge(restored, shard) == LOSSENGINE_OK, "comparison merge");
    CHECK(lossengine_comparison_append(restored, shard) == LOSSENGINE_OK, "comparison append");
    CHECK(lossengine_comparison_merge(shard, shard) == LOSSENGINE_INVALID_ARGUMENT, "self merge refused");
    CHECK(lossengine_comparison_to_json(restored, &again) == LOSSENGINE_OK && again && strstr(again, "\"schema\": \"lossengine.compare/1\""), "merged to_json");
    lossengine_free_string(again);
    lossengine_free_string(json);

    /* A missing file is a file error naming it; a mismatched pair names both. */
    const char* missing[1] = {"/nonexistent/dump.safetensors"};
    lossengine_aggregator* none = NULL;
    CHECK(lossengine_score_files(missing, 1, NULL, &none) == LOSSENGINE_BAD_FILE && none == NULL, "missing file");
    CHECK(strstr(lossengine_last_error(), "/nonexistent/dump.safetensors") != NULL, "message names the file: %s", lossengine_last_error());
    CHECK(lossengine_score_files(paths, 0, NULL, &none) == LOSSENGINE_INVALID_ARGUMENT, "no files");
    CHECK(lossengine_compare_files(paths, NULL, 1, NULL, &shard) == LOSSENGINE_NULL_POINTER, "NULL candidates");
    lossengine_aggregator_free(scored);
    lossengine_comparison_free(compared);
    lossengine_comparison_free(shard);
    lossengine_comparison_free(restored);
}

int main(int argc, char** argv) {
    enum { ROWS = 7, VOCAB = 1001, PITCH = 1003 };
    printf("LossEngine %s, %d-bit SIMD\n", lossengine_version(), lossengine_vector_bits());
    CHECK(strcmp(lossengine_version(), LOSSENGINE_EXPECTED_VERSION) == 0, "version %s, expected %s", lossengine_version(),
          LOSSENGINE_EXPECTED_VERSION);
    /* eng/test-native.sh passes the .NET runtime's width at the same instruction-set level, so a loader that opened
       the wrong build, or a build compiled for the wrong level, fails here. */
    const char* expected_bits = getenv("LOSSENGINE_EXPECT_VECTOR_BITS");
    if (expected_bits) {
        CHECK(lossengine_vector_bits() == atoi(expected_bits), "vector width %d, expected %s", lossengine_vector_bits(), expected_bits);
    }

    int64_t sizes[5];
    lossengine_struct_sizes(sizes);
    CHECK(sizes[0] == (int64_t)sizeof(lossengine_token_statistics), "token struct %lld vs %zu", (long long)sizes[0], sizeof(lossengine_token_statistics));
    CHECK(sizes[1] == (int64_t)sizeof(lossengine_comparison_statistics), "comparison struct");
    CHECK(sizes[2] == (int64_t)sizeof(lossengine_scoring_options), "scoring options struct");
    CHECK(sizes[3] == (int64_t)sizeof(lossengine_cross_entropy_options), "cross-entropy options struct");
    CHECK(sizes[4] == (int64_t)sizeof(lossengine_file_options), "file options struct");

    /* Logits on a 1/16 grid in [-8, 8): exact in f32, f16 and bf16, so every dtype sees the same values. */
    float* logits = calloc(ROWS * PITCH, sizeof(float));
    float* candidate = calloc(ROWS * PITCH, sizeof(float));
    uint16_t* bf16 = calloc(ROWS * PITCH, sizeof(uint16_t));
    uint16_t* f16 = calloc(ROWS * PITCH, sizeof(uint16_t));
    int64_t targets[ROWS];
    unsigned state = 12345;
    for (int r = 0; r < ROWS; r++) {
        for (int v = 0; v < VOCAB; v++) {
            state = state * 1103515245u + 12345u;
            float x = (float)((int)((state >> 8) % 256) - 128) / 16.0f;
            logits[r * PITCH + v] = x;
            candidate[r * PITCH + v] = x + (float)((int)(state >> 20) % 5 - 2) / 16.0f;
            bf16[r * PITCH + v] = to_bf16(x);
            f16[r * PITCH + v] = to_f16(x);
        }
        targets[r] = (r * 131) % VOCAB;
    }
    targets[3] = -100;

    /* Row kernels, every dtype. */
    const void* rows_by_type[3] = {logits, f16, bf16};
    for (int dtype = 0; dtype < 3; dtype++) {
        float lse = 0;
        CHECK(lossengine_logsumexp(rows_by_type[dtype], VOCAB, dtype, &lse) == LOSSENGINE_OK, "logsumexp dtype %d", dtype);
        double expected = reference_lse(logits, VOCAB);
        CHECK(fabs(lse - expected) <= 1e-7 * fabs(expected) + 2e-6, "logsumexp dtype %d: %f vs %f", dtype, lse, expected);
    }

    float* probabilities = malloc(VOCAB * sizeof(float));
    CHECK(lossengine_softmax(logits, VOCAB, LOSSENGINE_F32, probabilities) == LOSSENGINE_OK, "softmax");
    double total = 0;
    for (int v = 0; v < VOCAB; v++) total += probabilities[v];
    CHECK(fabs(total - 1) < 1e-5, "softmax sums to %f", total);
    CHECK(lossengine_log_softmax(bf16, VOCAB, LOSSENGINE_BF16, probabilities) == LOSSENGINE_OK, "log_softmax");
    CHECK(fabs(probabilities[5] - (logits[5] - reference_lse(logits, VOCAB))) < 1e-5, "log_softmax[5]");

    /* Batch cross-entropy with a row pitch, the ignore index and label smoothing. */
    lossengine_cross_entropy_options ce;
    lossengine_cross_entropy_options_init(&ce);
    CHECK(ce.ignore_index == -100 && ce.temperature == 1 && ce.reduction == LOSSENGINE_REDUCTION_MEAN, "defaults");
    float losses[ROWS];
    double mean = 0;
    CHECK(lossengine_cross_entropy(logits, ROWS, VOCAB, PITCH, LOSSENGINE_F32, targets, &ce, losses, &mean) == LOSSENGINE_OK, "cross_entropy");
    double sum = 0;
    for (int r = 0; r < ROWS; r++) {
        if (targets[r] == -100) { CHECK(losses[r] == 0, "ignored row loss %f", losses[r]); continue; }
        double expected = reference_lse(logits + r * PITCH, VOCAB) - logits[r * PITCH + targets[r]];
        CHECK(fabs(losses[r] - expected) < 1e-5, "row %d loss %f vs %f", r, losses[r], expected);
        sum += expected;
    }
    CHECK(fabs(mean - sum / (ROWS - 1)) < 1e-5, "mean %f vs %f", mean, sum / (ROWS - 1));
    ce.label_smoothing = 0.1f;
    ce.reduction = LOSSENGINE_REDUCTION_NONE;
    CHECK(lossengine_cross_entropy(logits, ROWS, VOCAB, PITCH, LOSSENGINE_F32, targets, &ce, losses, NULL) == LOSSENGINE_OK, "smoothed");
    {
        const float* x = logits;
        double lse = reference_lse(x, VOCAB), mean_x = 0;
        for (int v = 0; v < VOCAB; v++) mean_x += x[v] / VOCAB;
        double expected = 0.9 * (lse - x[targets[0]]) + 0.1 * (lse - mean_x);
        CHECK(fabs(losses[0] - expected) < 1e-5, "smoothed loss %f vs %f", losses[0], expected);
    }

    /* Token statistics and comparison, on bf16 (exact grid values). */
    lossengine_scoring_options options;
    lossengine_scoring_options_init(&options);
    options.threads = 2;
    lossengine_token_statistics stats[ROWS];
    CHECK(lossengine_statistics(bf16, ROWS, VOCAB, PITCH, LOSSENGINE_BF16, targets, &options, stats) == LOSSENGINE_OK, "statistics");
    for (int r = 0; r < ROWS; r++) {
        if (targets[r] == -100) { CHECK(stats[r].argmax == -1 && stats[r].loss == 0, "ignored statistics"); continue; }
        const float* x = logits + r * PITCH;
        int argmax = 0, rank = 0;
        for (int v = 1; v < VOCAB; v++) if (x[v] > x[argmax]) argmax = v;
        for (int v = 0; v < VOCAB; v++) if (x[v] > x[targets[r]] || (x[v] == x[targets[r]] && v < targets[r])) rank++;
        CHECK(stats[r].argmax == argmax, "row %d argmax %d vs %d", r, stats[r].argmax, argmax);
        CHECK(stats[r].target_rank == rank, "row %d rank %d vs %d", r, stats[r].target_rank, rank);
    }

    lossengine_comparison_statistics comparisons[ROWS];
    CHECK(lossengine_compare(logits, candidate, ROWS, VOCAB, PITCH, LOSSENGINE_F32, targets, NULL, comparisons) == LOSSENGINE_OK, "compare");
    for (int r = 0; r < ROWS; r++) {
        double kl = reference_kl(logits + r * PITCH, candidate + r * PITCH, VOCAB);
        CHECK(fabs(comparisons[r].kl_divergence - kl) <= 2e-6 + 1e-6 * kl, "row %d KL %g vs %g", r, comparisons[r].kl_divergence, kl);
    }
    CHECK(lossengine_compare(logits, logits, ROWS, VOCAB, PITCH, LOSSENGINE_F32, targets, NULL, comparisons) == LOSSENGINE_OK, "self compare");
    CHECK(comparisons[0].kl_divergence <= 2e-6f && comparisons[0].reference_argmax == comparisons[0].candidate_argmax, "KL(p, p)");

    /* The aggregator: create, add, merge, JSON out and back, free. */
    const char* names[2] = {"grammar", "arithmetic"};
    lossengine_aggregator* first = NULL;
    lossengine_aggregator* second = NULL;
    CHECK(lossengine_aggregator_create(names, 2, 5, 10, &first) == LOSSENGINE_OK && first, "create");
    CHECK(lossengine_aggregator_create(names, 2, 5, 10, &second) == LOSSENGINE_OK && second, "create second");
    int32_t tasks[ROWS] = {0, 0, 0, 1, 1, 1, 1};
    int64_t examples[ROWS] = {0, 0, 1, 2, 2, 3, 3};
    CHECK(lossengine_aggregator_add(first, stats, tasks, examples, NULL, NULL, 4) == LOSSENGINE_OK, "add");
    CHECK(lossengine_aggregator_add(second, stats + 4, tasks + 4, examples + 4, NULL, NULL, 3) == LOSSENGINE_OK, "add second");
    CHECK(lossengine_aggregator_merge(first, second) == LOSSENGINE_OK, "merge");
    char* json = NULL;
    CHECK(lossengine_aggregator_to_json(first, &json) == LOSSENGINE_OK && json, "to_json");
    CHECK(json && strstr(json, "\"schema\": \"lossengine.score/1\"") && strstr(json, "\"arithmetic\""), "json content");
    lossengine_aggregator* restored = NULL;
    CHECK(lossengine_aggregator_from_json(json, &restored) == LOSSENGINE_OK && restored, "from_json");
    char* again = NULL;
    CHECK(lossengine_aggregator_to_json(restored, &again) == LOSSENGINE_OK && again && strcmp(json, again) == 0, "JSON round trip");
    lossengine_free_string(json);
    lossengine_free_string(again);

    /* Byte lengths give bits per byte: loss sum / (ln 2 · byte sum). */
    lossengine_aggregator* with_bytes = NULL;
    CHECK(lossengine_aggregator_create(names, 2, 5, 10, &with_bytes) == LOSSENGINE_OK, "create with bytes");
    int32_t byte_lengths[ROWS] = {3, 1, 4, 1, 5, 9, 2};
    CHECK(lossengine_aggregator_add(with_bytes, stats, tasks, examples, NULL, byte_lengths, ROWS) == LOSSENGINE_OK, "add with bytes");
    char* bytes_json = NULL;
    CHECK(lossengine_aggregator_to_json(with_bytes, &bytes_json) == LOSSENGINE_OK && bytes_json, "bytes to_json");
    double loss_sum = 0, byte_sum = 0;
    for (int r = 0; r < ROWS; r++) { if (targets[r] != -100) { loss_sum += stats[r].loss; byte_sum += byte_lengths[r]; } }
    const char* bpb = bytes_json ? strstr(bytes_json, "\"bits_per_byte\": ") : NULL;
    CHECK(bpb && fabs(strtod(bpb + strlen("\"bits_per_byte\": "), NULL) - loss_sum / (log(2.0) * byte_sum)) < 1e-6, "bits per byte");
    lossengine_free_string(bytes_json);
    lossengine_aggregator_free(with_bytes);

    /* Append: two shards with their own example ids 0, 0, 1 in one task give 4 examples; merge would join them to 2. */
    lossengine_aggregator* head = NULL;
    lossengine_aggregator* tail = NULL;
    CHECK(lossengine_aggregator_create(names, 2, 5, 10, &head) == LOSSENGINE_OK && head, "create head");
    CHECK(lossengine_aggregator_create(names, 2, 5, 10, &tail) == LOSSENGINE_OK && tail, "create tail");
    int32_t shard_tasks[3] = {0, 0, 0};
    int64_t shard_examples[3] = {0, 0, 1};
    CHECK(lossengine_aggregator_add(head, stats, shard_tasks, shard_examples, NULL, NULL, 3) == LOSSENGINE_OK, "add head");
    CHECK(lossengine_aggregator_add(tail, stats + 3, shard_tasks, shard_examples, NULL, NULL, 3) == LOSSENGINE_OK, "add tail");
    CHECK(lossengine_aggregator_append(head, tail) == LOSSENGINE_OK, "append");
    char* appended = NULL;
    CHECK(lossengine_aggregator_to_json(head, &appended) == LOSSENGINE_OK && appended, "appended to_json");
    CHECK(appended && strstr(appended, "\"examples\": 4,"), "append keeps the shards' examples apart");
    lossengine_free_string(appended);
    CHECK(lossengine_aggregator_append(head, NULL) == LOSSENGINE_NULL_POINTER, "append NULL");

    /* Error paths: codes and messages, nothing thrown. */
    float result;
    CHECK(lossengine_logsumexp(NULL, 4, LOSSENGINE_F32, &result) == LOSSENGINE_NULL_POINTER, "NULL row");
    CHECK(lossengine_last_error() && strstr(lossengine_last_error(), "row is NULL"), "NULL message");
    CHECK(lossengine_logsumexp(logits, 4, 7, &result) == LOSSENGINE_UNSUPPORTED_DTYPE, "bad dtype");
    CHECK(lossengine_logsumexp(logits, 0, LOSSENGINE_F32, &result) == LOSSENGINE_BAD_SHAPE, "empty row");
    CHECK(lossengine_cross_entropy(logits, ROWS, VOCAB, VOCAB - 1, LOSSENGINE_F32, targets, NULL, losses, NULL) == LOSSENGINE_BAD_SHAPE, "pitch < vocab");
    int64_t bad_targets[ROWS];
    memcpy(bad_targets, targets, sizeof(targets));
    bad_targets[2] = VOCAB;
    losses[2] = -7;
    CHECK(lossengine_cross_entropy(logits, ROWS, VOCAB, PITCH, LOSSENGINE_F32, bad_targets, NULL, losses, NULL) == LOSSENGINE_INVALID_ARGUMENT, "target out of range");
    CHECK(strstr(lossengine_last_error(), "Row 2") != NULL, "message names the row: %s", lossengine_last_error());
    CHECK(losses[2] == -7, "nothing written on error");
    ce.reduction = LOSSENGINE_REDUCTION_NONE;
    CHECK(lossengine_cross_entropy(logits, ROWS, VOCAB, PITCH, LOSSENGINE_F32, targets, &ce, NULL, NULL) == LOSSENGINE_INVALID_ARGUMENT, "NONE needs losses");
    int32_t bad_tasks[1] = {2};
    CHECK(lossengine_aggregator_add(first, stats, bad_tasks, examples + 6, NULL, NULL, 1) == LOSSENGINE_INVALID_ARGUMENT, "task id out of range");
    CHECK(lossengine_aggregator_add(NULL, stats, tasks, examples, NULL, NULL, 1) == LOSSENGINE_NULL_POINTER, "NULL handle");
    CHECK(lossengine_aggregator_from_json("not json", &restored) == LOSSENGINE_INVALID_ARGUMENT, "bad JSON");

    /* Handles are validated: garbage, freed, stale and foreign handles are codes, never a crash. */
    lossengine_aggregator* garbage = (lossengine_aggregator*)(uintptr_t)0xdeadbeef12345678ULL;
    char* none = NULL;
    CHECK(lossengine_aggregator_to_json(garbage, &none) == LOSSENGINE_INVALID_ARGUMENT, "garbage handle");
    CHECK(lossengine_aggregator_merge(first, first) == LOSSENGINE_INVALID_ARGUMENT, "merge with itself");
    CHECK(lossengine_aggregator_append(head, head) == LOSSENGINE_INVALID_ARGUMENT, "append to itself");
    CHECK(lossengine_aggregator_free(tail) == LOSSENGINE_OK, "free");
    CHECK(lossengine_aggregator_free(tail) == LOSSENGINE_INVALID_ARGUMENT, "double free is reported");
    CHECK(lossengine_aggregator_to_json(tail, &none) == LOSSENGINE_INVALID_ARGUMENT, "freed handle");
    lossengine_aggregator* reused = NULL;
    CHECK(lossengine_aggregator_create(names, 2, 5, 10, &reused) == LOSSENGINE_OK && reused != tail, "a reused slot gets a new handle");
    CHECK(lossengine_aggregator_to_json(tail, &none) == LOSSENGINE_INVALID_ARGUMENT, "stale handle after reuse");
    CHECK(lossengine_comparison_to_json((lossengine_comparison*)head, &none) == LOSSENGINE_INVALID_ARGUMENT, "an aggregator is not a comparison");
    lossengine_aggregator_free(reused);
    lossengine_aggregator_free(head);

    lossengine_aggregator_free(first);
    lossengine_aggregator_free(second);
    lossengine_aggregator_free(restored);

    if (argc == 5) {
        check_files(argv[1], argv[2], argv[3], argv[4]);
    } else if (!(argc == 2 && strcmp(argv[1], "--no-files") == 0)) {
        /* --no-files is for runs under an emulated CPU (eng/test-native.sh), where the dumps would take minutes. */
        failures++;
        fprintf(stderr, "FAIL: give two dumps and the CLI's score and compare reports (see eng/test-native.sh)\n");
    }
    free(logits); free(candidate); free(bf16); free(f16); free(probabilities);
    printf("%s\n", failures == 0 ? "all C ABI checks passed" : "C ABI checks FAILED");
    return failures == 0 ? 0 : 1;
}
