{
  # Built by scripts/build-cuda.ts: nvcc first compiles the kernels (*.cu) into a static library in
  # build/, then node-gyp builds this binding and links it with that library and the static CUDA
  # runtime. cuda_include / cuda_lib / kernels_lib come from the build script (-D...).
  "variables": {
    "cuda_include%": "/usr/local/cuda/include",
    "cuda_lib%": "/usr/local/cuda/lib64",
    "kernels_lib%": "<(module_root_dir)/build/libprover_cuda_kernels.a"
  },
  "targets": [
    {
      "target_name": "prover_cuda",
      "sources": ["binding.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "<(cuda_include)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2"],
      "libraries": ["<(kernels_lib)", "-L<(cuda_lib)", "-lcudart_static", "-ldl", "-lrt", "-lpthread"]
    }
  ]
}
