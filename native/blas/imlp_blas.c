// Optional N-API addon: float32 (batched) matrix products through OpenBLAS's cblas_sgemm, for the
// wasm backend's BatchMatMul and _FusedMatMul (src/core/backend/blas.ts). Operands are Float32Array
// views of the wasm heap, so nothing is copied. Every length is checked here: a wrong view would
// otherwise write past a tensor into whatever lies next to it on the heap.
#define NAPI_VERSION 8
#include <cblas.h>
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
  CHECK(napi_create_function(env, "info", NAPI_AUTO_LENGTH, info, NULL, &fn));
  CHECK(napi_set_named_property(env, exports, "info", fn));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
