// N-API binding of the CUDA kernels: device buffers as externals (freed by their finalizer or
// explicitly), synchronous host <-> device copies, and one function per kernel launcher of
// prover_cuda.h. All orchestration (layouts, caching, sizing) lives in src/backends/cuda/; this file
// only checks arguments and turns CUDA errors into JS errors carrying the driver's own words.
#include <napi.h>
#include <cuda_runtime_api.h>

#include <string>
#include <vector>

#include "prover_cuda.h"

namespace {

struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
};

using BufferRef = Napi::External<DeviceBuffer>;

[[noreturn]] void throw_cuda(Napi::Env env, cudaError_t err, const char* what) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
  e.Set("code", Napi::String::New(env, "CUDA_ERROR"));
  e.Set("cudaError", Napi::String::New(env, cudaGetErrorName(err)));
  throw e;
}

void check(Napi::Env env, cudaError_t err, const char* what) {
  if (err != cudaSuccess) throw_cuda(env, err, what);
}

DeviceBuffer* buf(const Napi::Value& v) {
  if (!v.IsExternal()) throw Napi::TypeError::New(v.Env(), "expected a device buffer");
  DeviceBuffer* b = v.As<BufferRef>().Data();
  if (b->ptr == nullptr) throw Napi::Error::New(v.Env(), "device buffer already freed");
  return b;
}

template <typename T = uint32_t>
T* dptr(const Napi::Value& v) {
  return static_cast<T*>(buf(v)->ptr);
}

template <typename T = uint32_t>
const T* dptr_or_null(const Napi::Value& v) {
  return v.IsNull() || v.IsUndefined() ? nullptr : static_cast<const T*>(buf(v)->ptr);
}

uint32_t u32(const Napi::Value& v) { return v.As<Napi::Number>().Uint32Value(); }

uint64_t u64(const Napi::Value& v) {
  bool lossless = false;
  return v.As<Napi::BigInt>().Uint64Value(&lossless);
}

// ------------------------------------------------------------------ device and memory

Napi::Value DeviceInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int count = 0;
  check(env, cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  Napi::Object o = Napi::Object::New(env);
  o.Set("deviceCount", count);
  if (count == 0) return o;
  int dev = 0;
  check(env, cudaGetDevice(&dev), "cudaGetDevice");
  cudaDeviceProp prop;
  check(env, cudaGetDeviceProperties(&prop, dev), "cudaGetDeviceProperties");
  size_t free_b = 0, total_b = 0;
  check(env, cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  o.Set("device", dev);
  o.Set("name", prop.name);
  o.Set("computeCapability", std::to_string(prop.major) + "." + std::to_string(prop.minor));
  o.Set("multiprocessors", prop.multiProcessorCount);
  o.Set("totalBytes", (double)total_b);
  o.Set("freeBytes", (double)free_b);
  o.Set("memoryBusWidthBits", prop.memoryBusWidth);
  o.Set("driverVersion", driver);
  o.Set("runtimeVersion", runtime);
  return o;
}

Napi::Value MemInfo(const Napi::CallbackInfo& info) {
  size_t free_b = 0, total_b = 0;
  check(info.Env(), cudaMemGetInfo(&free_b, &total_b), "cudaMemGetInfo");
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("freeBytes", (double)free_b);
  o.Set("totalBytes", (double)total_b);
  return o;
}

Napi::Value Alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double want = info[0].As<Napi::Number>().DoubleValue();
  if (!(want >= 0) || want > 1e15) throw Napi::RangeError::New(env, "alloc: bad size");
  auto* b = new DeviceBuffer();
  b->bytes = want < 4 ? 4 : (size_t)want;
  cudaError_t err = cudaMalloc(&b->ptr, b->bytes);
  if (err != cudaSuccess) {
    delete b;
    throw_cuda(env, err, "cudaMalloc");
  }
  return BufferRef::New(env, b, [](Napi::Env, DeviceBuffer* d) {
    if (d->ptr) cudaFree(d->ptr);
    delete d;
  });
}

Napi::Value Free(const Napi::CallbackInfo& info) {
  DeviceBuffer* b = info[0].As<BufferRef>().Data();
  if (b->ptr) {
    cudaFree(b->ptr);
    b->ptr = nullptr;
  }
  return info.Env().Undefined();
}

/** upload(buffer, byteOffset, typedArray) */
Napi::Value Upload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DeviceBuffer* b = buf(info[0]);
  const size_t off = (size_t)info[1].As<Napi::Number>().Int64Value();
  Napi::TypedArray src = info[2].As<Napi::TypedArray>();
  const size_t n = src.ByteLength();
  if (off + n > b->bytes) throw Napi::RangeError::New(env, "upload: out of bounds");
  const uint8_t* host = static_cast<const uint8_t*>(src.ArrayBuffer().Data()) + src.ByteOffset();
  check(env, cudaMemcpy(static_cast<uint8_t*>(b->ptr) + off, host, n, cudaMemcpyHostToDevice), "cudaMemcpy (upload)");
  return env.Undefined();
}

/** download(buffer, byteOffset, typedArray): waits for every queued kernel first. */
Napi::Value Download(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DeviceBuffer* b = buf(info[0]);
  const size_t off = (size_t)info[1].As<Napi::Number>().Int64Value();
  Napi::TypedArray dst = info[2].As<Napi::TypedArray>();
  const size_t n = dst.ByteLength();
  if (off + n > b->bytes) throw Napi::RangeError::New(env, "download: out of bounds");
  uint8_t* host = static_cast<uint8_t*>(dst.ArrayBuffer().Data()) + dst.ByteOffset();
  check(env, cudaDeviceSynchronize(), "kernel");
  check(env, cudaMemcpy(host, static_cast<const uint8_t*>(b->ptr) + off, n, cudaMemcpyDeviceToHost), "cudaMemcpy (download)");
  return env.Undefined();
}

Napi::Value Fill(const Napi::CallbackInfo& info) {
  DeviceBuffer* b = buf(info[0]);
  check(info.Env(), cudaMemsetAsync(b->ptr, (int)u32(info[1]), b->bytes, 0), "cudaMemset");
  return info.Env().Undefined();
}

/** pointerTable(table, buffers[], wordOffsets: Float64Array): table[i] = buffers[i] + 4*offsets[i]. */
Napi::Value PointerTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  DeviceBuffer* table = buf(info[0]);
  Napi::Array bufs = info[1].As<Napi::Array>();
  Napi::Float64Array offs = info[2].As<Napi::Float64Array>();
  const uint32_t n = bufs.Length();
  if (offs.ElementLength() != n || n * sizeof(void*) > table->bytes) throw Napi::RangeError::New(env, "pointerTable: bad sizes");
  std::vector<const uint32_t*> ptrs(n);
  for (uint32_t i = 0; i < n; i++) ptrs[i] = dptr(bufs.Get(i)) + (size_t)offs[i];
  check(env, cudaMemcpy(table->ptr, ptrs.data(), n * sizeof(void*), cudaMemcpyHostToDevice), "cudaMemcpy (pointer table)");
  return env.Undefined();
}

Napi::Value Synchronize(const Napi::CallbackInfo& info) {
  check(info.Env(), cudaDeviceSynchronize(), "kernel");
  return info.Env().Undefined();
}

// ------------------------------------------------------------------ kernels

Napi::Value Twiddles(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::twiddles(dptr(info[0]), u32(info[1]), info[2].As<Napi::Boolean>().Value(), 0), "twiddles");
  return info.Env().Undefined();
}

/** interpolate(cols, tmp, logN, count, invTw, logTw) */
Napi::Value Interpolate(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::interpolate(dptr(info[0]), dptr(info[1]), u32(info[2]), u32(info[3]), dptr(info[4]), u32(info[5]), 0), "interpolate");
  return info.Env().Undefined();
}

/** cosetLde(coefs, out, logN, logBlowup, count, shift, tw, logTw) */
Napi::Value CosetLde(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::coset_lde(dptr(info[0]), dptr(info[1]), u32(info[2]), u32(info[3]), u32(info[4]), u32(info[5]), dptr(info[6]), u32(info[7]), 0),
        "cosetLde");
  return info.Env().Undefined();
}

/** merkleLeaves(pointerTable, width, height, leafArity, out) */
Napi::Value MerkleLeaves(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::merkle_leaves(dptr<const uint32_t*>(info[0]), u32(info[1]), u32(info[2]), u32(info[3]), dptr<uint8_t>(info[4]), 0), "merkleLeaves");
  return info.Env().Undefined();
}

/** merkleNodes(src, dst, count) */
Napi::Value MerkleNodes(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::merkle_nodes(dptr<uint8_t>(info[0]), dptr<uint8_t>(info[1]), u32(info[2]), 0), "merkleNodes");
  return info.Env().Undefined();
}

/** grind(template (17 lanes), stateLen, bits, start: bigint, count: bigint, found (8 bytes)) -> bigint, 2^64-1 when none. */
Napi::Value Grind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* found = dptr<unsigned long long>(info[5]);
  const unsigned long long none = ~0ull;
  check(env, cudaMemcpy(found, &none, sizeof(none), cudaMemcpyHostToDevice), "cudaMemcpy (grind)");
  check(env, pc::grind_range(dptr<uint64_t>(info[0]), u32(info[1]), u32(info[2]), u64(info[3]), u64(info[4]), found, 0), "grind");
  check(env, cudaDeviceSynchronize(), "grind");
  unsigned long long result = 0;
  check(env, cudaMemcpy(&result, found, sizeof(result), cudaMemcpyDeviceToHost), "cudaMemcpy (grind)");
  return Napi::BigInt::New(env, (uint64_t)result);
}

/** poseidon2SetConstants(width, extInitial, extFinal, internal, diag) — canonical Uint32Arrays. */
Napi::Value Poseidon2SetConstants(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const uint32_t width = u32(info[0]);
  Napi::Uint32Array ei = info[1].As<Napi::Uint32Array>(), ef = info[2].As<Napi::Uint32Array>(), in = info[3].As<Napi::Uint32Array>(),
                    dg = info[4].As<Napi::Uint32Array>();
  if (ei.ElementLength() != 4 * width || ef.ElementLength() != 4 * width || dg.ElementLength() != width) {
    throw Napi::RangeError::New(env, "poseidon2SetConstants: bad constant lengths");
  }
  check(env, pc::poseidon2_set_constants(width, ei.Data(), ef.Data(), in.Data(), (uint32_t)in.ElementLength(), dg.Data()), "poseidon2SetConstants");
  return env.Undefined();
}

/** poseidon2Permute(states, width, count) */
Napi::Value Poseidon2Permute(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::poseidon2_permute(dptr(info[0]), u32(info[1]), u32(info[2]), 0), "poseidon2Permute");
  return info.Env().Undefined();
}

/** poseidon2MerkleLeaves(pointerTable, width, height, leafArity, out, error) — needs poseidon2SetConstants(16, …) first */
Napi::Value Poseidon2MerkleLeaves(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::poseidon2_merkle_leaves(dptr<const uint32_t*>(info[0]), u32(info[1]), u32(info[2]), u32(info[3]), dptr(info[4]), dptr(info[5]), 0),
        "poseidon2MerkleLeaves");
  return info.Env().Undefined();
}

/** poseidon2MerkleNodes(src, dst, count) */
Napi::Value Poseidon2MerkleNodes(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::poseidon2_merkle_nodes(dptr(info[0]), dptr(info[1]), u32(info[2]), 0), "poseidon2MerkleNodes");
  return info.Env().Undefined();
}

/** poseidon2Grind(template (16 words, Montgomery), pos, bits, start, count, found (4 bytes)) -> number, 2^32-1 when none. */
Napi::Value Poseidon2Grind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* found = dptr<unsigned int>(info[5]);
  const unsigned int none = ~0u;
  check(env, cudaMemcpy(found, &none, sizeof(none), cudaMemcpyHostToDevice), "cudaMemcpy (poseidon2Grind)");
  check(env, pc::poseidon2_grind_range(dptr(info[0]), u32(info[1]), u32(info[2]), u32(info[3]), u32(info[4]), found, 0), "poseidon2Grind");
  check(env, cudaDeviceSynchronize(), "poseidon2Grind");
  unsigned int result = 0;
  check(env, cudaMemcpy(&result, found, sizeof(result), cudaMemcpyDeviceToHost), "cudaMemcpy (poseidon2Grind)");
  return Napi::Number::New(env, (double)result);
}

/**
 * quotient(params {numInstructions, numRegisters, logN, logBlowup, shiftMont, wMont, wLastMont},
 *          trace, pub|null, pubIn, alpha, code, zhInv, regs, regRows, out, error)
 */
Napi::Value Quotient(const Napi::CallbackInfo& info) {
  Napi::Object p = info[0].As<Napi::Object>();
  pc::QuotientParams q{u32(p.Get("numInstructions")), u32(p.Get("numRegisters")), u32(p.Get("logN")),     u32(p.Get("logBlowup")),
                       u32(p.Get("shiftMont")),       u32(p.Get("wMont")),        u32(p.Get("wLastMont"))};
  check(info.Env(),
        pc::quotient(q, dptr(info[1]), dptr_or_null(info[2]), dptr(info[3]), dptr(info[4]), dptr(info[5]), dptr(info[6]), dptr(info[7]), u32(info[8]),
                     dptr(info[9]), dptr(info[10]), 0),
        "quotient");
  return info.Env().Undefined();
}

/** deepCompose(pointerTable, logN, shiftMont, np, points, vals, claimStart, claimCol, claimCoef, out, error) */
Napi::Value DeepCompose(const Napi::CallbackInfo& info) {
  check(info.Env(),
        pc::deep_compose(dptr<const uint32_t*>(info[0]), u32(info[1]), u32(info[2]), u32(info[3]), dptr(info[4]), dptr(info[5]), dptr(info[6]),
                         dptr(info[7]), dptr(info[8]), dptr(info[9]), dptr(info[10]), 0),
        "deepCompose");
  return info.Env().Undefined();
}

/** friFold2(src, dst, logM, betaMont: Uint32Array(4), invTwoShiftMont, wInvMont) */
Napi::Value FriFold2(const Napi::CallbackInfo& info) {
  Napi::Uint32Array beta = info[3].As<Napi::Uint32Array>();
  if (beta.ElementLength() != 4) throw Napi::RangeError::New(info.Env(), "friFold2: beta must be 4 words");
  check(info.Env(), pc::fri_fold2(dptr(info[0]), dptr(info[1]), u32(info[2]), beta.Data(), u32(info[4]), u32(info[5]), 0), "friFold2");
  return info.Env().Undefined();
}

/** evalAtPoints(coefs, n, m, points, np, out) */
Napi::Value EvalAtPoints(const Napi::CallbackInfo& info) {
  check(info.Env(), pc::eval_at_points(dptr(info[0]), u32(info[1]), u32(info[2]), dptr(info[3]), u32(info[4]), dptr(info[5]), 0), "evalAtPoints");
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, 2));
  exports.Set("deviceInfo", Napi::Function::New(env, DeviceInfo));
  exports.Set("memInfo", Napi::Function::New(env, MemInfo));
  exports.Set("alloc", Napi::Function::New(env, Alloc));
  exports.Set("free", Napi::Function::New(env, Free));
  exports.Set("upload", Napi::Function::New(env, Upload));
  exports.Set("download", Napi::Function::New(env, Download));
  exports.Set("fill", Napi::Function::New(env, Fill));
  exports.Set("pointerTable", Napi::Function::New(env, PointerTable));
  exports.Set("synchronize", Napi::Function::New(env, Synchronize));
  exports.Set("twiddles", Napi::Function::New(env, Twiddles));
  exports.Set("interpolate", Napi::Function::New(env, Interpolate));
  exports.Set("cosetLde", Napi::Function::New(env, CosetLde));
  exports.Set("merkleLeaves", Napi::Function::New(env, MerkleLeaves));
  exports.Set("merkleNodes", Napi::Function::New(env, MerkleNodes));
  exports.Set("grind", Napi::Function::New(env, Grind));
  exports.Set("poseidon2SetConstants", Napi::Function::New(env, Poseidon2SetConstants));
  exports.Set("poseidon2Permute", Napi::Function::New(env, Poseidon2Permute));
  exports.Set("poseidon2MerkleLeaves", Napi::Function::New(env, Poseidon2MerkleLeaves));
  exports.Set("poseidon2MerkleNodes", Napi::Function::New(env, Poseidon2MerkleNodes));
  exports.Set("poseidon2Grind", Napi::Function::New(env, Poseidon2Grind));
  exports.Set("quotient", Napi::Function::New(env, Quotient));
  exports.Set("deepCompose", Napi::Function::New(env, DeepCompose));
  exports.Set("friFold2", Napi::Function::New(env, FriFold2));
  exports.Set("evalAtPoints", Napi::Function::New(env, EvalAtPoints));
  return exports;
}

}  // namespace

NODE_API_MODULE(prover_cuda, Init)
