/*
 * The native C peer for the benchmarks: single-pass online log-sum-exp and NLL over a float32 row, with AVX-512 (or
 * AVX2) intrinsics and software prefetch, written the way a performance engineer would write it in C. Per lane it
 * keeps a running maximum and a sum of exp(x - max), rescaling only when a lane's maximum grows; sums are float and
 * are combined in double at the end. Called through P/Invoke so that it is measured in the same process as LossEngine.
 */
#include <immintrin.h>
#include <math.h>
#include <stdint.h>

#define PREFETCH_BYTES 4096

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define LOAD(p) _mm512_loadu_ps(p)
#define SET1(x) _mm512_set1_ps(x)
#define ADD(a, b) _mm512_add_ps(a, b)
#define SUB(a, b) _mm512_sub_ps(a, b)
#define MUL(a, b) _mm512_mul_ps(a, b)
#define FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define MAX(a, b) _mm512_max_ps(a, b)
#define ANY_GREATER(a, b) (_mm512_cmp_ps_mask(a, b, _CMP_GT_OQ) != 0)
#define ROUND(a) _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define SCALE(p, n) _mm512_scalef_ps(p, n)
#define STORE(p, v) _mm512_storeu_ps(p, v)
#elif defined(__AVX2__)
typedef __m256 vec;
#define LANES 8
#define LOAD(p) _mm256_loadu_ps(p)
#define SET1(x) _mm256_set1_ps(x)
#define ADD(a, b) _mm256_add_ps(a, b)
#define SUB(a, b) _mm256_sub_ps(a, b)
#define MUL(a, b) _mm256_mul_ps(a, b)
#define FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define MAX(a, b) _mm256_max_ps(a, b)
#define ANY_GREATER(a, b) (_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_GT_OQ)) != 0)
#define ROUND(a) _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
static inline __m256 SCALE(__m256 p, __m256 n) {
    __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(bits));
}
#define STORE(p, v) _mm256_storeu_ps(p, v)
#else
#error "the C peer needs AVX2 or AVX-512"
#endif

/* exp(x) for x <= 0, x >= -87: Cody-Waite reduction and a degree-6 polynomial. */
static inline vec exp_nonpositive(vec x) {
    x = MAX(x, SET1(-87.0f));
    vec n = ROUND(MUL(x, SET1(1.44269504088896341f)));
    vec r = FMA(n, SET1(-0.693359375f), x);
    r = FMA(n, SET1(2.12194440e-4f), r);
    vec p = FMA(SET1(1.3843652358e-03f), r, SET1(8.3741555951e-03f));
    p = FMA(p, r, SET1(4.1668002074e-02f));
    p = FMA(p, r, SET1(1.6666431258e-01f));
    p = FMA(p, r, SET1(4.9999994209e-01f));
    p = FMA(p, r, SET1(1.0000000322e+00f));
    p = FMA(p, r, SET1(1.0f));
    return SCALE(p, n);
}

static inline void rescale(vec* m, vec* s, vec x) {
    vec grown = MAX(*m, x);
    *s = MUL(*s, exp_nonpositive(SUB(*m, grown)));
    *m = grown;
}

/* Returns the NLL of `target`; *lse receives log sum exp(row). Rows shorter than one vector use a scalar loop. */
double lossengine_peer_lse_nll(const float* row, int64_t n, int64_t target, double* lse) {
    float lanes_m[LANES], lanes_s[LANES];
    vec m = SET1(-3.0e38f), s = SET1(0.0f);
    int64_t i = 0;
    for (; i + 4 * LANES <= n; i += 4 * LANES) {
        _mm_prefetch((const char*)(row + i) + PREFETCH_BYTES, _MM_HINT_T0);
        _mm_prefetch((const char*)(row + i) + PREFETCH_BYTES + 64, _MM_HINT_T0);
        _mm_prefetch((const char*)(row + i) + PREFETCH_BYTES + 128, _MM_HINT_T0);
        _mm_prefetch((const char*)(row + i) + PREFETCH_BYTES + 192, _MM_HINT_T0);
        vec x0 = LOAD(row + i), x1 = LOAD(row + i + LANES), x2 = LOAD(row + i + 2 * LANES), x3 = LOAD(row + i + 3 * LANES);
        vec group = MAX(MAX(x0, x1), MAX(x2, x3));
        if (ANY_GREATER(group, m)) rescale(&m, &s, group);
        vec e = ADD(ADD(exp_nonpositive(SUB(x0, m)), exp_nonpositive(SUB(x1, m))),
                    ADD(exp_nonpositive(SUB(x2, m)), exp_nonpositive(SUB(x3, m))));
        s = ADD(s, e);
    }
    for (; i + LANES <= n; i += LANES) {
        vec x = LOAD(row + i);
        if (ANY_GREATER(x, m)) rescale(&m, &s, x);
        s = ADD(s, exp_nonpositive(SUB(x, m)));
    }
    STORE(lanes_m, m);
    STORE(lanes_s, s);
    double max = -INFINITY;
    for (int l = 0; l < LANES; l++) max = lanes_m[l] > max ? lanes_m[l] : max;
    for (; i < n; i++) max = row[i] > max ? row[i] : max;
    double sum = 0;
    for (int l = 0; l < LANES; l++) sum += lanes_s[l] * exp(lanes_m[l] - max);
    for (i = n - (n % LANES); i < n; i++) sum += exp(row[i] - max);
    *lse = max + log(sum);
    return *lse - row[target];
}
