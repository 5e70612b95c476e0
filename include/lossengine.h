/*
 * lossengine.h: the C ABI of LossEngine, a NativeAOT shared library (liblossengine.so on Linux).
 *
 * Language-model logits to log-probabilities, losses, per-token statistics, KL divergence between two models, and
 * per-task aggregation, with the same kernels as the .NET library. C99.
 *
 * Conventions
 *   - Every function that can fail returns a lossengine_status; LOSSENGINE_OK is 0. On failure,
 *     lossengine_last_error() returns a message for the calling thread (valid until its next failing call).
 *     No exception or signal ever crosses the boundary: invalid arguments, NULL pointers and bad shapes are codes.
 *   - Handles (aggregators, comparisons) are checked on every call: a garbage value, a freed handle, a stale handle
 *     whose slot was reused, or a handle of the other type returns LOSSENGINE_INVALID_ARGUMENT; it cannot crash the
 *     process or act on another object. A double free is reported the same way.
 *   - Buffers are the caller's: nothing is copied (numpy arrays, torch CPU tensors, memory-mapped files).
 *   - Logits are rows of `vocab` elements of one dtype; `row_pitch` is the distance between row starts, in elements
 *     (>= vocab), so a [B, S, V] tensor can be viewed with a stride.
 *   - Threads: batch functions use all cores unless the options' `threads` says otherwise (0 = all cores, 1 = the
 *     calling thread only, n = at most n). Results are bitwise identical for every thread count. Calls are
 *     thread-safe; an aggregator handle must not be used by two threads at once.
 *   - Accuracy: |logsumexp - exact| <= 1e-7*|LSE| + 2e-6 for finite rows with vocab <= 262144; see the README.
 *   - Special values follow PyTorch: -inf logits are masked, an all -inf row has LSE -inf and loss NaN, NaN anywhere
 *     gives NaN, +inf gives LSE +inf, a -inf target logit gives loss +inf.
 *   - Builds (linux-x64): liblossengine.so is a loader that opens the widest of liblossengine-x86-64-v4.so (AVX-512),
 *     -x86-64-v3.so (AVX2), -x86-64-v2.so (SSE4.2) and -x86-64.so (any x86-64) this CPU runs, from its own folder, when
 *     it is loaded; LOSSENGINE_ISA=x86-64-v4|x86-64-v3|x86-64-v2|x86-64 picks one instead. If none can be loaded (a file missing, a level the
 *     CPU lacks, an unknown name), every function returning a status returns LOSSENGINE_INTERNAL,
 *     lossengine_last_error() says why, lossengine_version() returns NULL and lossengine_vector_bits() -1.
 */
#ifndef LOSSENGINE_H
#define LOSSENGINE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lossengine_status {
    LOSSENGINE_OK = 0,
    LOSSENGINE_INVALID_ARGUMENT = 1,   /* a value out of range: a target, an option, mismatched shapes */
    LOSSENGINE_NULL_POINTER = 2,       /* a required pointer was NULL */
    LOSSENGINE_BAD_SHAPE = 3,          /* rows, vocab or row_pitch out of range */
    LOSSENGINE_UNSUPPORTED_DTYPE = 4,  /* dtype is not one of lossengine_dtype */
    LOSSENGINE_INTERNAL = 5,           /* a bug: please report the message */
    LOSSENGINE_BAD_FILE = 6            /* a dump or report file is missing, unreadable or malformed: the message names
                                          the file and, where it applies, the tensor and row */
} lossengine_status;

typedef enum lossengine_dtype {
    LOSSENGINE_F32 = 0,   /* float */
    LOSSENGINE_F16 = 1,   /* IEEE binary16, as uint16_t bits */
    LOSSENGINE_BF16 = 2   /* bfloat16, as uint16_t bits (numpy: uint16 view; torch: bfloat16) */
} lossengine_dtype;

typedef enum lossengine_reduction {
    LOSSENGINE_REDUCTION_NONE = 0,
    LOSSENGINE_REDUCTION_SUM = 1,
    LOSSENGINE_REDUCTION_MEAN = 2    /* over non-ignored rows; NaN if all are ignored (PyTorch) */
} lossengine_reduction;

/* Per-token statistics; identical layout to LossEngine.TokenStatistics (32 bytes). */
typedef struct lossengine_token_statistics {
    float loss;                /* -log p(target) = LSE - x[target], nats (0 for ignored rows) */
    float logsumexp;           /* log sum exp(x) */
    float max_logit;           /* max x */
    float target_logit;        /* x[target] */
    float entropy;             /* -sum p log p, nats */
    float target_probability;  /* exp(-loss) */
    int32_t argmax;            /* lowest index among equal maxima; -1 for NaN rows and ignored rows */
    int32_t target_rank;       /* entries ranked above the target (x_i > x_t, or equal with i < t); -1 likewise */
} lossengine_token_statistics;

/* A candidate model's row against a reference model's, p = softmax(reference), q = softmax(candidate) (28 bytes). */
typedef struct lossengine_comparison_statistics {
    float kl_divergence;                  /* sum p (log p - log q) >= 0; +inf if q = 0 where p > 0 */
    float reference_loss;                 /* -log p(target); NaN for ignored rows */
    float candidate_loss;                 /* -log q(target) */
    float reference_target_probability;
    float candidate_target_probability;
    int32_t reference_argmax;
    int32_t candidate_argmax;             /* same top-1 <=> reference_argmax == candidate_argmax */
} lossengine_comparison_statistics;

typedef struct lossengine_scoring_options {
    int64_t ignore_index;   /* default -100 */
    float temperature;      /* logits are multiplied by 1/temperature first; default 1 */
    int32_t threads;        /* 0 = all cores (default) */
} lossengine_scoring_options;

typedef struct lossengine_cross_entropy_options {
    int64_t ignore_index;     /* default -100 */
    float temperature;        /* default 1 */
    int32_t threads;          /* 0 = all cores */
    float label_smoothing;    /* epsilon in [0, 1]: (1-eps)*NLL + eps*(LSE - mean(x)); default 0 */
    float z_loss;             /* adds c*LSE^2 per non-ignored row (PaLM); default 0 */
    int32_t reduction;        /* lossengine_reduction; default MEAN */
} lossengine_cross_entropy_options;

/* How dump files are read, scored and aggregated by lossengine_score_files and lossengine_compare_files. */
typedef struct lossengine_file_options {
    int64_t ignore_index;            /* default -100 */
    float temperature;               /* default 1 */
    int32_t threads;                 /* 0 = all cores (default) */
    int32_t shift;                   /* nonzero: [B, S, V] logits score labels[:, 1:] (the causal-LM convention) */
    int32_t top_k;                   /* k of top-k accuracy; <= 0 means 5 */
    int32_t worst_examples;          /* worst examples and label errors kept per task; < 0 means 10 */
    int32_t task_count;              /* 0: task names from the dumps' metadata (else "task N", else "all") */
    const char* const* task_names;   /* task_count names, indexed by task id */
} lossengine_file_options;

typedef struct lossengine_aggregator lossengine_aggregator;
typedef struct lossengine_comparison lossengine_comparison;

/* The library's version, e.g. "0.1.0". Static storage. NULL if the loader could not load a build (see Builds). */
const char* lossengine_version(void);

/* The calling thread's last error message, or NULL if none yet. */
const char* lossengine_last_error(void);

/* The widest SIMD width in use: 512, 256, 128, or 0 for scalar code; -1 if the loader could not load a build. */
int32_t lossengine_vector_bits(void);

/* Fill an options struct with the defaults above. */
void lossengine_scoring_options_init(lossengine_scoring_options* options);
void lossengine_cross_entropy_options_init(lossengine_cross_entropy_options* options);
void lossengine_file_options_init(lossengine_file_options* options);

/* sizes[0..4] = sizeof the token, comparison, scoring-options, cross-entropy-options and file-options structs as the
 * library sees them: a binding can check its own layout against these. */
void lossengine_struct_sizes(int64_t* sizes);

/* *result = log sum_i exp(row[i]). */
int32_t lossengine_logsumexp(const void* row, int64_t length, int32_t dtype, float* result);

/* probabilities[i] = exp(row[i] - LSE) (length floats; may alias row only for F32, exactly). */
int32_t lossengine_softmax(const void* row, int64_t length, int32_t dtype, float* probabilities);

/* log_probabilities[i] = row[i] - LSE. */
int32_t lossengine_log_softmax(const void* row, int64_t length, int32_t dtype, float* log_probabilities);

/* Cross-entropy over rows x vocab logits with torch.nn.functional.cross_entropy's options.
 * losses: rows floats, or NULL when reduction is SUM or MEAN. reduced: receives the sum or mean (NaN for NONE), or NULL.
 * options: NULL for the defaults. Targets are checked before anything is written. */
int32_t lossengine_cross_entropy(const void* logits, int64_t rows, int64_t vocab, int64_t row_pitch, int32_t dtype,
                                 const int64_t* targets, const lossengine_cross_entropy_options* options,
                                 float* losses, double* reduced);

/* statistics: rows structs. Ignored rows get loss 0, argmax and target_rank -1, the rest NaN. */
int32_t lossengine_statistics(const void* logits, int64_t rows, int64_t vocab, int64_t row_pitch, int32_t dtype,
                              const int64_t* targets, const lossengine_scoring_options* options,
                              lossengine_token_statistics* statistics);

/* KL divergence and friends for every row, in one fused pass over both matrices (same shape and pitch). */
int32_t lossengine_compare(const void* reference, const void* candidate, int64_t rows, int64_t vocab, int64_t row_pitch,
                           int32_t dtype, const int64_t* targets, const lossengine_scoring_options* options,
                           lossengine_comparison_statistics* results);

/* A streaming per-task aggregator (see the README's metric table). top_k <= 0 means 5; worst_examples < 0 means 10. */
int32_t lossengine_aggregator_create(const char* const* task_names, int32_t task_count, int32_t top_k,
                                     int32_t worst_examples, lossengine_aggregator** out);

/* Add count tokens. targets may be NULL. byte_lengths (the UTF-8 length of each target token's text, for bits per
 * byte) may be NULL. Task ids must be in [0, task_count); example ids must increase along the stream (contiguous
 * examples). */
int32_t lossengine_aggregator_add(lossengine_aggregator* aggregator, const lossengine_token_statistics* tokens,
                                  const int32_t* task_ids, const int64_t* example_ids, const int64_t* targets,
                                  const int32_t* byte_lengths, int64_t count);

/* into += other, exactly (associative, commutative). */
int32_t lossengine_aggregator_merge(lossengine_aggregator* into, const lossengine_aggregator* other);

/* into, then next: next is a shard aggregated on its own (positions and example ids from its own start); its positions
   and example ids are moved past into's, as the lossengine tool does with several files. Order matters; next is not
   changed. Use lossengine_aggregator_merge for shards that carry global positions and ids. */
int32_t lossengine_aggregator_append(lossengine_aggregator* into, const lossengine_aggregator* next);

/* *json = the report as JSON (schema "lossengine.score/1", with the mergeable state). Free it with
 * lossengine_free_string. */
int32_t lossengine_aggregator_to_json(lossengine_aggregator* aggregator, char** json);

/* A new aggregator from a report or state written by lossengine_aggregator_to_json or `lossengine score --json`. */
int32_t lossengine_aggregator_from_json(const char* json, lossengine_aggregator** out);

void lossengine_free_string(char* text);
/* Frees an aggregator; NULL is a no-op. A handle that was already freed, never created, or is of another type returns
 * LOSSENGINE_INVALID_ARGUMENT and changes nothing. */
int32_t lossengine_aggregator_free(lossengine_aggregator* aggregator);

/* Score safetensors dump files (tensors logits, labels or targets, optional task_ids and example_ids), in order, as
 * one dataset, into a new aggregator: the numbers of `lossengine score` over the same files. The files are read
 * memory-mapped on options->threads threads. options: NULL for the defaults. On LOSSENGINE_BAD_FILE the message names
 * the file, tensor and row. */
int32_t lossengine_score_files(const char* const* paths, int32_t count, const lossengine_file_options* options,
                               lossengine_aggregator** out);

/* Compare a candidate model's dumps with a reference model's, pair by pair in order (same shapes and targets), into
 * a new comparison: llama.cpp's KL-divergence statistics overall and per task, as `lossengine compare`. */
int32_t lossengine_compare_files(const char* const* reference_paths, const char* const* candidate_paths, int32_t count,
                                 const lossengine_file_options* options, lossengine_comparison** out);

/* into += other, exactly: merged shards report what one pass reports, to the last bit. append is the same operation
 * (comparison statistics do not depend on positions); it mirrors lossengine_aggregator_append. Merging a comparison
 * with itself is an error. */
int32_t lossengine_comparison_merge(lossengine_comparison* into, const lossengine_comparison* other);
int32_t lossengine_comparison_append(lossengine_comparison* into, const lossengine_comparison* next);

/* *json = the comparison report (schema "lossengine.compare/1", with the mergeable state). Free it with
 * lossengine_free_string. */
int32_t lossengine_comparison_to_json(lossengine_comparison* comparison, char** json);

/* A new comparison from a report or state written by lossengine_comparison_to_json or `lossengine compare --json`. */
int32_t lossengine_comparison_from_json(const char* json, lossengine_comparison** out);

int32_t lossengine_comparison_free(lossengine_comparison* comparison);

#ifdef __cplusplus
}
#endif

#endif /* LOSSENGINE_H */
