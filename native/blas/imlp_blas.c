// Optional N-API addon: float32 (batched) matrix products through OpenBLAS's cblas_sgemm, for the
// wasm backend's BatchMatMul and _FusedMatMul (src/core/backend/blas.ts), and Adam's update and the sync's pull in
// one pass each (src/core/train/optimizer.ts, src/core/method/imlp.ts). Operands are Float32Array
// views of the wasm heap, so nothing is copied. Every length is checked here: a wrong view would
// otherwise write past a tensor into whatever lies next to it on the heap.
#define NAPI_VERSION 8
#include <cblas.h>
#include <math.h>
#include <node_api.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static napi_value fail(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

#define CHECK(call) \
  if ((call) != napi_ok) return fail(env, "imlp_blas: N-API call failed: " #call)

// A Float32Array argument's data and length; data is NULL for null. False for anything else.
static bool float32s(napi_env env, napi_value value, float** data, size_t* length) {
  napi_valuetype type;
  bool typed;
  napi_typedarray_type kind;
  void* raw;
  *data = NULL;
  *length = 0;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_null) return true;
  if (napi_is_typedarray(env, value, &typed) != napi_ok || !typed) return false;
  if (napi_get_typedarray_info(env, value, &kind, length, &raw, NULL, NULL) != napi_ok) return false;
  if (kind != napi_float32_array) return false;
  *data = raw;
  return true;
}

enum { ACTIVATION_LINEAR = 0, ACTIVATION_RELU = 1 };

// gemm(a, b, out, bias, batchA, batchB, m, n, k, transposeA, transposeB, activation):
// out[i] = act(op(a[i % batchA]) · op(b[i % batchB]) + bias) for i < max(batchA, batchB), the batch
// rule of tfjs's own BatchMatMul kernels; op transposes when asked. bias: null, or 1 or n values.
static napi_value gemm(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 12) return fail(env, "imlp_blas.gemm takes 12 arguments");

  float *a, *b, *out, *bias;
  size_t len_a, len_b, len_out, len_bias;
  if (!float32s(env, argv[0], &a, &len_a) || !float32s(env, argv[1], &b, &len_b) ||
      !float32s(env, argv[2], &out, &len_out) || !float32s(env, argv[3], &bias, &len_bias) || a == NULL ||
      b == NULL || out == NULL)
    return fail(env, "imlp_blas.gemm: a, b and out must be Float32Arrays, bias one or null");

  int64_t dim[5];  // batchA, batchB, m, n, k
  for (int i = 0; i < 5; i++) {
    CHECK(napi_get_value_int64(env, argv[4 + i], &dim[i]));
    if (dim[i] < 1 || dim[i] > INT32_MAX) return fail(env, "imlp_blas.gemm: sizes must be 1 … 2^31 − 1");
  }
  bool transpose_a, transpose_b;
  int32_t activation;
  CHECK(napi_get_value_bool(env, argv[9], &transpose_a));
  CHECK(napi_get_value_bool(env, argv[10], &transpose_b));
  CHECK(napi_get_value_int32(env, argv[11], &activation));

  const size_t batch_a = dim[0], batch_b = dim[1], m = dim[2], n = dim[3], k = dim[4];
  const size_t batch = batch_a > batch_b ? batch_a : batch_b;
  if (len_a != batch_a * m * k || len_b != batch_b * k * n || len_out != batch * m * n)
    return fail(env, "imlp_blas.gemm: a, b or out does not have the length its sizes give");
  if (bias != NULL && len_bias != 1 && len_bias != n)
    return fail(env, "imlp_blas.gemm: bias must have 1 or n values");
  if (activation != ACTIVATION_LINEAR && activation != ACTIVATION_RELU)
    return fail(env, "imlp_blas.gemm: activation must be 0 (linear) or 1 (relu)");

  for (size_t i = 0; i < batch; i++) {
    float* c = out + i * m * n;
    if (bias != NULL)  // sgemm then adds to it (beta = 1)
      for (size_t r = 0; r < m; r++)
        for (size_t j = 0; j < n; j++) c[r * n + j] = bias[len_bias == 1 ? 0 : j];
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                (int)m, (int)n, (int)k, 1.0f, a + (i % batch_a) * m * k, (int)(transpose_a ? m : k),
                b + (i % batch_b) * k * n, (int)(transpose_b ? k : n), bias != NULL ? 1.0f : 0.0f, c, (int)n);
  }
  if (activation == ACTIVATION_RELU)
    for (size_t i = 0; i < len_out; i++)
      if (out[i] < 0.0f) out[i] = 0.0f;  // NaN stays NaN, as in tfjs's Relu
  return NULL;
}

enum { SAME_LENGTH = 0, NOT_FLOAT32S = 1, LENGTHS_DIFFER = 2 };

// n Float32Array arguments (none null) of one length: their data into `data`, the length into `length`.
static int float32s_of_one_length(napi_env env, napi_value* argv, int n, float* data[], size_t* length) {
  for (int i = 0; i < n; i++) {
    size_t len = 0;
    if (!float32s(env, argv[i], &data[i], &len) || data[i] == NULL) return NOT_FLOAT32S;
    if (i > 0 && len != *length) return LENGTHS_DIFFER;
    *length = len;
  }
  return SAME_LENGTH;
}

// n number arguments as floats (as a float32 tensor holds them). False if one is not a number.
static bool floats_of(napi_env env, napi_value* argv, int n, float* out) {
  for (int i = 0; i < n; i++) {
    double value;
    if (napi_get_value_double(env, argv[i], &value) != napi_ok) return false;
    out[i] = (float)value;
  }
  return true;
}

// adam(w, out, m, v, g, beta1, 1 − beta1, beta2, 1 − beta2, epsilon, c2, lr / c1): one Adam update in a
// single pass instead of tfjs's 12 temporary tensors the size of the parameter; the moments in place, the
// new weights into `out` (a fresh tensor: XNNPACK caches packed weights by tensor, so w's own buffer must
// not change). Each operation is one float operation in the order of optimizer.ts's ops, every scalar a
// float as a float32 tensor holds it, and binding.gyp forbids fused multiply-adds, so the result is
// bit-identical to the ops:
//   m = m·β1 + g·(1 − β1);  v = v·β2 + (g·g)·(1 − β2);  out = w − (m / (√(v / c2) + ε))·(lr / c1)
static napi_value adam(napi_env env, napi_callback_info info) {
  size_t argc = 12;
  napi_value argv[12];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 12) return fail(env, "imlp_blas.adam takes 12 arguments");
  float* a[5];  // w, out, m, v, g
  size_t len = 0;
  switch (float32s_of_one_length(env, argv, 5, a, &len)) {
    case NOT_FLOAT32S: return fail(env, "imlp_blas.adam: w, out, m, v and g must be Float32Arrays");
    case LENGTHS_DIFFER: return fail(env, "imlp_blas.adam: w, out, m, v and g must have one length");
  }
  float k[7];  // beta1, 1 - beta1, beta2, 1 - beta2, epsilon, c2, lr / c1
  if (!floats_of(env, argv + 5, 7, k)) return fail(env, "imlp_blas.adam: the constants must be numbers");
  float *w = a[0], *out = a[1], *m = a[2], *v = a[3], *g = a[4];
  const float b1 = k[0], ob1 = k[1], b2 = k[2], ob2 = k[3], eps = k[4], c2 = k[5], step = k[6];
  for (size_t i = 0; i < len; i++) {
    const float gi = g[i];
    const float mi = m[i] * b1 + gi * ob1;
    const float vi = v[i] * b2 + (gi * gi) * ob2;
    m[i] = mi;
    v[i] = vi;
    out[i] = w[i] - (mi / (sqrtf(vi / c2) + eps)) * step;
  }
  return NULL;
}

// lerp(w, t, out, alpha, 1 − alpha): the sync's pull in one pass, out = w·(1 − α) + t·α, bit-identical to
// the two products and the sum tfjs would make (src/core/method/imlp.ts's blend).
static napi_value lerp(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 5) return fail(env, "imlp_blas.lerp takes 5 arguments");
  float* a[3];  // w, t, out
  size_t len = 0;
  switch (float32s_of_one_length(env, argv, 3, a, &len)) {
    case NOT_FLOAT32S: return fail(env, "imlp_blas.lerp: w, t and out must be Float32Arrays");
    case LENGTHS_DIFFER: return fail(env, "imlp_blas.lerp: w, t and out must have one length");
  }
  float k[2];  // alpha, 1 - alpha
  if (!floats_of(env, argv + 3, 2, k)) return fail(env, "imlp_blas.lerp: alpha and 1 - alpha must be numbers");
  const float *w = a[0], *t = a[1];
  float* out = a[2];
  for (size_t i = 0; i < len; i++) out[i] = w[i] * k[1] + t[i] * k[0];
  return NULL;
}

// info(): what the accelerator runs as, for logs and `imlp doctor`. The core name shows whether
// OPENBLAS_CORETYPE reached the library (it reads it once, when it is loaded).
static napi_value info(napi_env env, napi_callback_info cb) {
  napi_value result, value;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_string_utf8(env, openblas_get_corename(), NAPI_AUTO_LENGTH, &value));
  CHECK(napi_set_named_property(env, result, "coreName", value));
  CHECK(napi_create_string_utf8(env, openblas_get_config(), NAPI_AUTO_LENGTH, &value));
  CHECK(napi_set_named_property(env, result, "config", value));
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &value));
  CHECK(napi_set_named_property(env, result, "threads", value));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  CHECK(napi_create_function(env, "gemm", NAPI_AUTO_LENGTH, gemm, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "gemm", fn));
  CHECK(napi_create_function(env, "adam", NAPI_AUTO_LENGTH, adam, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "adam", fn));
  CHECK(napi_create_function(env, "lerp", NAPI_AUTO_LENGTH, lerp, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "lerp", fn));
  CHECK(napi_create_function(env, "info", NAPI_AUTO_LENGTH, info, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "info", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
