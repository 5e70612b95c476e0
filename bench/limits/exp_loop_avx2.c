// The 256-bit (AVX2) log-sum-exp loop of the row kernel, in C, with the exp written several ways, to see what the
// loop can reach on a core without AVX-512 and which exp form the kernel should take there.
//
// Each variant sums e^(max(x − m, −105)) over a 32768-element row (f32, or bf16 widened in registers) that stays in the
// core's L2, and prints G elements/s and the sum's relative error against float64.
//   polyN  the degree-5 polynomial of ExpForSumByPolynomial, 2^n built in the exponent field (max(n, −127), convert,
//          add 127, shift, multiply), N vectors a step interleaved
//   tabN   the table of 2^(j/8) (vpermps) and a degree-3 polynomial, 2^n from the same bits as the index (shift, mask,
//          add 127 as an integer, integer maximum with 0), multiplied into the table entry. ExpForSumByEighths has the
//          same instructions on the FMA pipes; it puts the 127 into the rounding magic and takes the maximum as a float
//          maximum, one integer add fewer
//   tabaN  the same with 2^n added to the entry's bits as an integer (no multiply; terms for x in (−88.07, −87.38]
//          come out as small subnormals where tabN gives 0)
//   tabkN  ExpForSumByEighths: the entries are 2^(j/8)'s fraction bits less j·2^20, so the bits shifted left by 20
//          add to them without a mask, then an integer maximum with 0; the polynomial as r + r²·(E2 + E3·r)
//   tabmN  ExpForSumByEighthsFromMagic: no x − m and no clamp; the rounding magic carries k = round(m·8·log2 e), the
//          power's bits are floored as integers (vpmaxsd) beside the polynomial, and the sum, relative to k·ln2/8, is
//          moved back to m once at the end
//
// Build and run: gcc -O3 -mavx2 -mfma -o exp_loop_avx2 exp_loop_avx2.c -lm && ./exp_loop_avx2
#include <immintrin.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define V 32768
static float rowf[V] __attribute__((aligned(64)));
static uint16_t rowb[V] __attribute__((aligned(64)));
static float table8[8];
static int32_t table8k[8];
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define STEP(N, body) for (int j = 0; j < N; j++) { body; }
#define S(x) _mm256_set1_ps(x)
static inline __m256 ld(const void* p, int bf, int i){
  if(!bf) return _mm256_loadu_ps((const float*)p + i);
  __m256i w=_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i*)((const uint16_t*)p+i)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(w,16));
}
#define POLY(N,d,e) { __m256 y[N],n[N],r[N],p[N]; \
  STEP(N, y[j]=_mm256_fmadd_ps(d[j],S(1.44269504f),S(12582912.f))) \
  STEP(N, n[j]=_mm256_sub_ps(y[j],S(12582912.f))) \
  STEP(N, r[j]=_mm256_fmadd_ps(n[j],S(-0.693147182f),d[j])) \
  STEP(N, p[j]=_mm256_fmadd_ps(S(8.290315e-03f),r[j],S(4.189793e-02f))) \
  STEP(N, p[j]=_mm256_fmadd_ps(p[j],r[j],S(1.6667636e-01f))) \
  STEP(N, p[j]=_mm256_fmadd_ps(p[j],r[j],S(4.999915e-01f))) \
  STEP(N, p[j]=_mm256_fmadd_ps(p[j],r[j],S(9.999997e-01f))) \
  STEP(N, p[j]=_mm256_fmadd_ps(p[j],r[j],S(1.f))) \
  STEP(N, e[j]=_mm256_mul_ps(p[j],_mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(_mm256_max_ps(S(-127.f),n[j])),_mm256_set1_epi32(127)),23)))) }
#define TAB(N,d,e) { __m256 y[N],n[N],r[N],q[N],s[N]; \
  STEP(N, y[j]=_mm256_fmadd_ps(d[j],S(11.5415603f),S(12582912.f))) \
  STEP(N, n[j]=_mm256_sub_ps(y[j],S(12582912.f))) \
  STEP(N, r[j]=_mm256_fmadd_ps(n[j],S(-0.0866433978f),d[j])) \
  STEP(N, s[j]=_mm256_mul_ps(_mm256_permutevar8x32_ps(tab,_mm256_castps_si256(y[j])), _mm256_castsi256_ps(_mm256_max_epi32(_mm256_add_epi32(_mm256_and_si256(_mm256_slli_epi32(_mm256_castps_si256(y[j]),20),_mm256_set1_epi32((int)0xFF800000)),_mm256_set1_epi32(127<<23)),_mm256_setzero_si256())))) \
  STEP(N, q[j]=_mm256_fmadd_ps(S(0.16666403f),r[j],S(0.50006455f))) \
  STEP(N, q[j]=_mm256_fmadd_ps(q[j],r[j],S(1.f))) \
  STEP(N, q[j]=_mm256_mul_ps(q[j],r[j])) \
  STEP(N, e[j]=_mm256_fmadd_ps(s[j],q[j],s[j])) }
#define TABA(N,d,e) { __m256 y[N],n[N],r[N],q[N],s[N]; \
  STEP(N, y[j]=_mm256_fmadd_ps(d[j],S(11.5415603f),S(12582912.f))) \
  STEP(N, n[j]=_mm256_sub_ps(y[j],S(12582912.f))) \
  STEP(N, r[j]=_mm256_fmadd_ps(n[j],S(-0.0866433978f),d[j])) \
  STEP(N, s[j]=_mm256_castsi256_ps(_mm256_max_epi32(_mm256_add_epi32(_mm256_castps_si256(_mm256_permutevar8x32_ps(tab,_mm256_castps_si256(y[j]))),_mm256_and_si256(_mm256_slli_epi32(_mm256_castps_si256(y[j]),20),_mm256_set1_epi32((int)0xFF800000))),_mm256_setzero_si256()))) \
  STEP(N, q[j]=_mm256_fmadd_ps(S(0.16666403f),r[j],S(0.50006455f))) \
  STEP(N, q[j]=_mm256_fmadd_ps(q[j],r[j],S(1.f))) \
  STEP(N, q[j]=_mm256_mul_ps(q[j],r[j])) \
  STEP(N, e[j]=_mm256_fmadd_ps(s[j],q[j],s[j])) }
#define TABK(N,d,e) { __m256 y[N],n[N],r[N],q[N],s[N]; \
  STEP(N, y[j]=_mm256_fmadd_ps(d[j],S(11.5415603f),S(12583928.f))) \
  STEP(N, n[j]=_mm256_sub_ps(y[j],S(12583928.f))) \
  STEP(N, r[j]=_mm256_fmadd_ps(n[j],S(-0.0866433978f),d[j])) \
  STEP(N, s[j]=_mm256_castsi256_ps(_mm256_max_epi32(_mm256_add_epi32(_mm256_permutevar8x32_epi32(tabk,_mm256_castps_si256(y[j])),_mm256_slli_epi32(_mm256_castps_si256(y[j]),20)),_mm256_setzero_si256()))) \
  STEP(N, q[j]=_mm256_fmadd_ps(S(0.16666403f),r[j],S(0.50006455f))) \
  STEP(N, q[j]=_mm256_fmadd_ps(_mm256_mul_ps(r[j],r[j]),q[j],r[j])) \
  STEP(N, e[j]=_mm256_fmadd_ps(s[j],q[j],s[j])) }
#define TABM(N,d,e) { __m256 y[N],r[N],q[N],s[N]; \
  STEP(N, y[j]=_mm256_fmadd_ps(d[j],S(11.5415603f),mk)) \
  STEP(N, r[j]=_mm256_fmadd_ps(_mm256_sub_ps(y[j],mk),S(-0.0866433978f),d[j])) \
  STEP(N, s[j]=_mm256_castsi256_ps(_mm256_max_epi32(_mm256_add_epi32(_mm256_permutevar8x32_epi32(tabk,_mm256_castps_si256(y[j])),_mm256_slli_epi32(_mm256_max_epi32(_mm256_castps_si256(y[j]),yfloor),20)),_mm256_setzero_si256()))) \
  STEP(N, q[j]=_mm256_fmadd_ps(S(0.16666403f),r[j],S(0.50006455f))) \
  STEP(N, q[j]=_mm256_fmadd_ps(_mm256_mul_ps(r[j],r[j]),q[j],r[j])) \
  STEP(N, e[j]=_mm256_fmadd_ps(s[j],q[j],s[j])) }
#define LOOPM(NAME, N) \
__attribute__((noinline)) static float NAME(const void* src, int bf, float max){ \
  int k=(int)lrintf(max*11.5415603f); __m256 mk=S(12583928.f-(float)k), sum=_mm256_setzero_ps(); \
  __m256i yfloor=_mm256_castps_si256(S(12583928.f-1216.f)); \
  __m256i tabk=_mm256_loadu_si256((const __m256i*)table8k); \
  for(int i=0;i<V;i+=8*N){ __m256 x[N],e[N]; \
    STEP(N, x[j]=ld(src,bf,i+8*j)) \
    TABM(N,x,e) \
    __m256 a=e[0]; for(int j=1;j<N;j++) a=_mm256_add_ps(a,e[j]); sum=_mm256_add_ps(sum,a);} \
  float o[8]; _mm256_storeu_ps(o,sum); double t=0; for(int j=0;j<8;j++) t+=o[j]; \
  return (float)(t*exp(k*(double)0.0866433978f-max)); }
#define LOOP(NAME, N, EXP) \
__attribute__((noinline)) static float NAME(const void* src, int bf, float max){ \
  __m256 m=S(max), sum=_mm256_setzero_ps(); __m256 tab=_mm256_loadu_ps(table8); (void)tab; \
  __m256i tabk=_mm256_loadu_si256((const __m256i*)table8k); (void)tabk; \
  for(int i=0;i<V;i+=8*N){ __m256 x[N],d[N],e[N]; \
    STEP(N, x[j]=ld(src,bf,i+8*j)) \
    STEP(N, d[j]=_mm256_max_ps(_mm256_sub_ps(x[j],m),S(-105.f))) \
    EXP(N,d,e) \
    __m256 a=e[0]; for(int j=1;j<N;j++) a=_mm256_add_ps(a,e[j]); sum=_mm256_add_ps(sum,a);} \
  float o[8]; _mm256_storeu_ps(o,sum); double t=0; for(int j=0;j<8;j++) t+=o[j]; return (float)t; }
LOOP(poly4,4,POLY)
LOOP(poly2,2,POLY)
LOOP(poly8,8,POLY)
LOOP(tab4,4,TAB)
LOOP(tab2,2,TAB)
LOOP(tab8,8,TAB)
LOOP(taba4,4,TABA)
LOOP(taba2,2,TABA)
LOOP(tabk4,4,TABK)
LOOP(tabk2,2,TABK)
LOOPM(tabm4,4)
LOOPM(tabm2,2)
// The same exp, software-pipelined by one group: each iteration reduces the next group (y, r and the power, stage A)
// and finishes the group reduced in the iteration before (the polynomial and the sum, stage B), so that the
// polynomial's inputs are ready when it enters the scheduler. ORDER 0 puts stage A first in the body, 1 stage B.
#define STAGEA(N,x,r,s) { __m256 y[N]; \
  STEP(N, y[j]=_mm256_fmadd_ps(x[j],S(11.5415603f),mk)) \
  STEP(N, r[j]=_mm256_fmadd_ps(_mm256_sub_ps(y[j],mk),S(-0.0866433978f),x[j])) \
  STEP(N, s[j]=_mm256_castsi256_ps(_mm256_max_epi32(_mm256_add_epi32(_mm256_permutevar8x32_epi32(tabk,_mm256_castps_si256(y[j])),_mm256_slli_epi32(_mm256_max_epi32(_mm256_castps_si256(y[j]),yfloor),20)),_mm256_setzero_si256()))) }
#define STAGEB(N,r,s) { __m256 q[N], e[N]; \
  STEP(N, q[j]=_mm256_fmadd_ps(S(0.16666403f),r[j],S(0.50006455f))) \
  STEP(N, q[j]=_mm256_fmadd_ps(_mm256_mul_ps(r[j],r[j]),q[j],r[j])) \
  STEP(N, e[j]=_mm256_fmadd_ps(s[j],q[j],s[j])) \
  __m256 a=e[0]; for(int j=1;j<N;j++) a=_mm256_add_ps(a,e[j]); sum=_mm256_add_ps(sum,a); }
#define LOOPP(NAME, N, ORDER) \
__attribute__((noinline)) static float NAME(const void* src, int bf, float max){ \
  int k=(int)lrintf(max*11.5415603f); __m256 mk=S(12583928.f-(float)k), sum=_mm256_setzero_ps(); \
  __m256i yfloor=_mm256_castps_si256(S(12583928.f-1216.f)); \
  __m256i tabk=_mm256_loadu_si256((const __m256i*)table8k); \
  __m256 r[N], s[N]; { __m256 x[N]; STEP(N, x[j]=ld(src,bf,8*j)) STAGEA(N,x,r,s) } \
  for(int i=8*N;i<V;i+=8*N){ __m256 x[N], rn[N], sn[N]; \
    if(ORDER){ STAGEB(N,r,s) STEP(N, x[j]=ld(src,bf,i+8*j)) STAGEA(N,x,rn,sn) } \
    else { STEP(N, x[j]=ld(src,bf,i+8*j)) STAGEA(N,x,rn,sn) STAGEB(N,r,s) } \
    STEP(N, r[j]=rn[j]) STEP(N, s[j]=sn[j]) } \
  STAGEB(N,r,s) \
  float o[8]; _mm256_storeu_ps(o,sum); double t=0; for(int j=0;j<8;j++) t+=o[j]; \
  return (float)(t*exp(k*(double)0.0866433978f-max)); }
LOOPP(tabpa4,4,0)
LOOPP(tabpb4,4,1)
LOOPP(tabpa2,2,0)
LOOPP(tabpb2,2,1)
typedef float (*F)(const void*,int,float);
static void run(const char* name, F f, int bf, double ref){
  double best=1e9; float res=0; const void* src = bf? (const void*)rowb : (const void*)rowf;
  for(int k=0;k<20;k++){double t=now(); for(int j=0;j<100;j++) res=f(src,bf,3.0f); t=now()-t; if(t<best)best=t;}
  printf("%-8s %s  %.2f G elem/s  rel err %.1e\n", name, bf?"bf16":"f32 ", (double)V*100/best/1e9, fabs(res-ref)/ref);
}
int main(){
  srand(1);
  for(int i=0;i<V;i++){ float x=((float)rand()/RAND_MAX-0.5f)*16; uint32_t b; memcpy(&b,&x,4); b&=0xFFFF0000u; rowb[i]=b>>16; memcpy(&rowf[i],&b,4);} 
  for(int j=0;j<8;j++){ table8[j]=exp2f(j/8.0f); int32_t b; memcpy(&b,&table8[j],4); table8k[j]=(b&0x7FFFFF)-(j<<20); }
  double ref=0; for(int i=0;i<V;i++){ double d=(double)rowf[i]-3.0; ref+=exp(d);} 
  for(int round=0;round<2;round++) for(int bf=0;bf<2;bf++){
    run("poly4",poly4,bf,ref); run("poly2",poly2,bf,ref); run("poly8",poly8,bf,ref);
    run("tab4",tab4,bf,ref); run("tab2",tab2,bf,ref); run("tab8",tab8,bf,ref); run("taba4",taba4,bf,ref); run("taba2",taba2,bf,ref);
    run("tabk4",tabk4,bf,ref); run("tabk2",tabk2,bf,ref);
    run("tabm4",tabm4,bf,ref); run("tabm2",tabm2,bf,ref);
    run("tabpa4",tabpa4,bf,ref); run("tabpb4",tabpb4,bf,ref); run("tabpa2",tabpa2,bf,ref); run("tabpb2",tabpb2,bf,ref);
  }
}
