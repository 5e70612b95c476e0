// The bf16 log-sum-exp loop of the row kernel (512 bits), in C, written several ways with the same instructions, to
// tell a port-bound loop from one bound by its dependency chains: if only the order of independent work changes the
// rate, the pipes are not what binds.
//
// Each variant sums e^(x − m) over a 64 KiB bf16 row that stays in the core's caches, and prints cycles per 64
// elements at the clock pipes.c measures (pass it as the first argument, in GHz).
//   sequential   the four exps of a group one after the other (the JIT's order for four calls in a row)
//   interleaved  step by step across the four vectors of a group
//   interleaved8 the same across eight vectors
//   table        32-entry table of 2^(j/32) (vpermt2ps) and a degree-2 polynomial, interleaved: two FMAs fewer per
//                vector, one permute more
//
// Build and run: gcc -O3 -march=native -o exp_loop exp_loop.c -lm && ./exp_loop 3.39 (at -O2 GCC keeps the arrays of
// the interleaved variants in memory)
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define V 32768
static uint16_t row[V] __attribute__((aligned(64)));
static float table[32];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

// The even/odd split of 32-bit words into four float vectors, as the kernel loads a bf16 group.
static inline void load_group(const uint16_t *s, __m512 x[4])
{
    __m512i a = _mm512_loadu_si512(s), b = _mm512_loadu_si512(s + 32), upper = _mm512_set1_epi32((int)0xFFFF0000);
    x[0] = _mm512_castsi512_ps(_mm512_slli_epi32(a, 16));
    x[1] = _mm512_castsi512_ps(_mm512_and_si512(a, upper));
    x[2] = _mm512_castsi512_ps(_mm512_slli_epi32(b, 16));
    x[3] = _mm512_castsi512_ps(_mm512_and_si512(b, upper));
}

// The kernel's ExpForSum: n = round(x·log2 e), r = x − n·ln2, degree-5 polynomial, vscalefps.
#define MAGIC _mm512_set1_ps(12582912.f)
#define STEP(N, body) for (int j = 0; j < N; j++) { body; }
#define EXPS(N, d, e)                                                                                  \
    {                                                                                                  \
        __m512 n[N], r[N], p[N];                                                                       \
        STEP(N, n[j] = _mm512_fmadd_ps(d[j], _mm512_set1_ps(1.44269504f), MAGIC))                     \
        STEP(N, n[j] = _mm512_sub_ps(n[j], MAGIC))                                                     \
        STEP(N, r[j] = _mm512_fmadd_ps(n[j], _mm512_set1_ps(-0.693147182f), d[j]))                    \
        STEP(N, p[j] = _mm512_fmadd_ps(_mm512_set1_ps(8.290315e-03f), r[j], _mm512_set1_ps(4.189793e-02f))) \
        STEP(N, p[j] = _mm512_fmadd_ps(p[j], r[j], _mm512_set1_ps(1.6667636e-01f)))                   \
        STEP(N, p[j] = _mm512_fmadd_ps(p[j], r[j], _mm512_set1_ps(4.999915e-01f)))                    \
        STEP(N, p[j] = _mm512_fmadd_ps(p[j], r[j], _mm512_set1_ps(9.999997e-01f)))                    \
        STEP(N, p[j] = _mm512_fmadd_ps(p[j], r[j], _mm512_set1_ps(1.f)))                              \
        STEP(N, e[j] = _mm512_scalef_ps(p[j], n[j]))                                                   \
    }

static inline __m512 exp_one(__m512 d)
{
    __m512 in[1] = {d}, out[1];
    EXPS(1, in, out)
    return out[0];
}

__attribute__((noinline)) static float sequential(const uint16_t *s, int count, float max)
{
    __m512 m = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
    for (int i = 0; i < count; i += 64)
    {
        __m512 x[4];
        load_group(s + i, x);
        __m512 e0 = exp_one(_mm512_sub_ps(x[0], m));
        __asm__ volatile("" : "+v"(e0)); // keep each exp whole, in source order
        __m512 e1 = exp_one(_mm512_sub_ps(x[1], m));
        __asm__ volatile("" : "+v"(e1));
        __m512 e2 = exp_one(_mm512_sub_ps(x[2], m));
        __asm__ volatile("" : "+v"(e2));
        __m512 e3 = exp_one(_mm512_sub_ps(x[3], m));
        sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(e0, e1), _mm512_add_ps(e2, e3)));
    }
    return _mm512_reduce_add_ps(sum);
}

__attribute__((noinline)) static float interleaved(const uint16_t *s, int count, float max)
{
    __m512 m = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
    for (int i = 0; i < count; i += 64)
    {
        __m512 x[4], d[4], e[4];
        load_group(s + i, x);
        STEP(4, d[j] = _mm512_sub_ps(x[j], m))
        EXPS(4, d, e)
        sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(e[0], e[1]), _mm512_add_ps(e[2], e[3])));
    }
    return _mm512_reduce_add_ps(sum);
}

__attribute__((noinline)) static float interleaved8(const uint16_t *s, int count, float max)
{
    __m512 m = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
    for (int i = 0; i < count; i += 128)
    {
        __m512 x[8], d[8], e[8];
        load_group(s + i, x);
        load_group(s + i + 64, x + 4);
        STEP(8, d[j] = _mm512_sub_ps(x[j], m))
        EXPS(8, d, e)
        __m512 a = _mm512_add_ps(_mm512_add_ps(e[0], e[1]), _mm512_add_ps(e[2], e[3]));
        __m512 b = _mm512_add_ps(_mm512_add_ps(e[4], e[5]), _mm512_add_ps(e[6], e[7]));
        sum = _mm512_add_ps(sum, _mm512_add_ps(a, b));
    }
    return _mm512_reduce_add_ps(sum);
}

__attribute__((noinline)) static float tabled(const uint16_t *s, int count, float max)
{
    __m512 m = _mm512_set1_ps(max), sum = _mm512_setzero_ps();
    __m512 low = _mm512_loadu_ps(table), high = _mm512_loadu_ps(table + 16);
    const __m512 magic = _mm512_set1_ps(393216.f); // 1.5·2^18: rounds to multiples of 1/32
    for (int i = 0; i < count; i += 64)
    {
        __m512 x[4], d[4], k[4], n[4], r[4], t[4], p[4];
        load_group(s + i, x);
        STEP(4, d[j] = _mm512_sub_ps(x[j], m))
        STEP(4, k[j] = _mm512_fmadd_ps(d[j], _mm512_set1_ps(1.44269504f), magic))
        STEP(4, n[j] = _mm512_sub_ps(k[j], magic))
        STEP(4, r[j] = _mm512_fmadd_ps(n[j], _mm512_set1_ps(-0.693147182f), d[j]))
        STEP(4, t[j] = _mm512_permutex2var_ps(low, _mm512_castps_si512(k[j]), high))
        STEP(4, p[j] = _mm512_fmadd_ps(_mm512_set1_ps(0.5f), r[j], _mm512_set1_ps(1.f)))
        STEP(4, p[j] = _mm512_fmadd_ps(p[j], r[j], _mm512_set1_ps(1.f)))
        STEP(4, p[j] = _mm512_scalef_ps(_mm512_mul_ps(t[j], p[j]), n[j]))
        sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(p[0], p[1]), _mm512_add_ps(p[2], p[3])));
    }
    return _mm512_reduce_add_ps(sum);
}

typedef float (*Variant)(const uint16_t *, int, float);

static void run(const char *name, Variant f, double ghz, double reference)
{
    double best = 1e9;
    float result = 0;
    for (int k = 0; k < 30; k++)
    {
        double t = now();
        for (int j = 0; j < 100; j++) result = f(row, V, 3.0f);
        t = now() - t;
        if (t < best) best = t;
    }
    double perCycle = (double)V * 100 / best / 1e9 / ghz;
    printf("{\"variant\":\"%s\",\"cycles_per_64\":%.2f,\"gelems\":%.2f,\"relative_error\":%.1e}\n", name,
           64 / perCycle, perCycle * ghz, fabs(result - reference) / reference);
}

int main(int argc, char **argv)
{
    double ghz = argc > 1 ? atof(argv[1]) : 3.0;
    srand(1);
    for (int i = 0; i < V; i++)
    {
        float x = ((float)rand() / (float)RAND_MAX - 0.5f) * 8;
        uint32_t bits;
        memcpy(&bits, &x, 4);
        row[i] = (uint16_t)(bits >> 16);
    }

    for (int j = 0; j < 32; j++) table[j] = exp2f(j / 32.0f);
    double reference = 0;
    for (int i = 0; i < V; i++)
    {
        uint32_t bits = (uint32_t)row[i] << 16;
        float x;
        memcpy(&x, &bits, 4);
        reference += exp((double)x - 3.0);
    }

    for (int round = 0; round < 2; round++)
    {
        run("sequential", sequential, ghz, reference);
        run("interleaved", interleaved, ghz, reference);
        run("interleaved8", interleaved8, ghz, reference);
        run("table", tabled, ghz, reference);
    }
    return 0;
}
