// Exact, order-independent sums for scatter-adds (deterministic mode, Caffe::deterministic).
//
// Floating-point addition is not associative, so adding many values into one place with
// atomics gives a result that depends on the order in which threads arrive. Integers add
// associatively (even with wrap-around), so each value is turned into a 128-bit
// fixed-point number -- v * 2^e rounded to an integer, in two's complement, as two 64-bit
// words -- the integers are added (with atomics on the GPU, plainly on the CPU), and the
// total is turned back into a float once. The result does not depend on the order, and
// it is the exact sum of the values rounded once, up to one unit of 2^-e per value.
//
// The exponent e belongs to a group of values whose sum of magnitudes is at most `bound`
// (one channel plane of a gradient): e makes bound * 2^e <= 2^124, so no partial or final
// sum leaves the 128-bit range (intermediate wrap-around would be harmless anyway: only
// the final sum must fit), and a unit is bound * 2^-124 or less. A non-finite bound
// (NaN or infinite inputs) makes the whole group NaN.
//
// Shared by the CPU loops and the CUDA kernels (SpatialTransformer's dU).
#pragma once

#include <math.h>

#include <cstdint>

#include "caffe/kernels/host_device.hpp"

namespace caffe {
namespace kernels {

struct Fixed128 {
  uint64_t lo, hi;  // the integer hi * 2^64 + lo, in two's complement over 128 bits
};

// Marks a group whose bound is not finite.
constexpr int kFixedNonFinite = -100000;

// The exponent for a group of values whose magnitudes add up to at most `bound`.
CAFFE_HOST_DEVICE int fixed_exponent(double bound) {
  if (!(bound <= 1.7976931348623157e308)) return kFixedNonFinite;  // NaN or infinite
  if (bound == 0) return 0;
  int x = 0;
  frexp(bound, &x);  // bound < 2^x
  return 124 - x;
}

// 1 when adding `add` to `old` wraps around 2^64 (the carry into the high word).
CAFFE_HOST_DEVICE uint64_t fixed_carry(uint64_t old, uint64_t add) {
  return old + add < old ? 1 : 0;
}

// v * 2^e rounded to the nearest integer, as a 128-bit two's complement number.
// |v| * 2^e must stay below 2^126 (fixed_exponent sees to it).
CAFFE_HOST_DEVICE Fixed128 fixed_encode(double v, int e) {
  Fixed128 r{0, 0};
  if (e == kFixedNonFinite) return r;
  const double a = fabs(ldexp(v, e));          // exact: a power-of-two scaling
  const double high = floor(ldexp(a, -64));    // exact
  const double low = rint(a - ldexp(high, 64));  // a - high * 2^64 is exact, in [0, 2^64)
  r.hi = static_cast<uint64_t>(high);
  r.lo = static_cast<uint64_t>(low);
  if (v < 0) {  // two's complement negation over both words
    r.hi = ~r.hi + (r.lo == 0 ? 1 : 0);
    r.lo = ~r.lo + 1;
  }
  return r;
}

// a += b over 128 bits.
CAFFE_HOST_DEVICE void fixed_add(Fixed128* a, Fixed128 b) {
  const uint64_t carry = fixed_carry(a->lo, b.lo);
  a->lo += b.lo;
  a->hi += b.hi + carry;
}

CAFFE_HOST_DEVICE int fixed_leading_zeros(uint64_t x) {  // x != 0
#if defined(__CUDA_ARCH__)
  return __clzll(static_cast<long long>(x));
#else
  return __builtin_clzll(x);
#endif
}

// The value of a, times 2^-e, as a double rounded once to nearest (NaN for a non-finite
// group).
CAFFE_HOST_DEVICE double fixed_decode(Fixed128 a, int e) {
  if (e == kFixedNonFinite) return NAN;
  const bool negative = (a.hi >> 63) != 0;
  if (negative) {  // the magnitude, so that the two words never cancel
    a.hi = ~a.hi + (a.lo == 0 ? 1 : 0);
    a.lo = ~a.lo + 1;
  }
  double magnitude;
  if (a.hi == 0) {
    magnitude = static_cast<double>(a.lo);  // a 64-bit integer converts rounded to nearest
  } else {
    // The top 64 bits of the magnitude, with the bits below folded into the lowest one
    // (it lies under the rounding position, so ties still round right), then scaled.
    const int z = fixed_leading_zeros(a.hi);
    uint64_t top = z ? (a.hi << z) | (a.lo >> (64 - z)) : a.hi;
    const uint64_t rest = z ? a.lo << z : a.lo;
    top |= rest != 0 ? 1 : 0;
    magnitude = ldexp(static_cast<double>(top), 64 - z);
  }
  return ldexp(negative ? -magnitude : magnitude, -e);
}

#if defined(__CUDACC__)
// *a += b with device atomics: the low words add with wrap-around, and whoever wraps the
// low word carries one into the high word, so the final 128-bit sum is the same whatever
// the order of the calls.
__device__ __forceinline__ void fixed_atomic_add(Fixed128* a, Fixed128 b) {
  unsigned long long* words = reinterpret_cast<unsigned long long*>(a);
  const unsigned long long old = atomicAdd(words, static_cast<unsigned long long>(b.lo));
  const unsigned long long high = b.hi + fixed_carry(old, b.lo);
  if (high != 0) atomicAdd(words + 1, high);
}
#endif

// Per-segment finish for Side::reduce: exponent[s] = fixed_exponent(sum of |values|).
struct StoreFixedExponent {
  int* exponent;
  CAFFE_HOST_DEVICE void operator()(int64_t s, double bound) const {
    exponent[s] = fixed_exponent(bound);
  }
};

// Term: |a[i]|.
template <typename Dtype>
struct Magnitude {
  const Dtype* a;
  CAFFE_HOST_DEVICE double operator()(int64_t i, int64_t) const {
    return fabs(static_cast<double>(a[i]));
  }
};

// out[i] = the value of acc[i] in the group (plane) of `group` consecutive elements.
template <typename Dtype>
struct FixedToValue {
  const Fixed128* acc;
  const int* exponent;
  int64_t group;
  Dtype* out;
  CAFFE_HOST_DEVICE void operator()(int64_t i) const {
    out[i] = static_cast<Dtype>(fixed_decode(acc[i], exponent[i / group]));
  }
};

}  // namespace kernels
}  // namespace caffe
