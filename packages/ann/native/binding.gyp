# Builds faiss-node's binding (its src/faiss.cc plus faiss-node.patch) against the system's faiss
# (Debian: libfaiss-dev libopenblas-dev). Run through build.mjs, which copies the sources into
# build/src first: gyp's make generator only finds sources that sit inside the project folder.
{
  'variables': {
    'napi_include%': '',
  },
  'targets': [
    {
      'target_name': 'faiss_node',
      'sources': ['build/src/faiss.cc'],
      'include_dirs': ['<(napi_include)'],
      'defines': ['NAPI_CPP_EXCEPTIONS'],
      # Node's defaults turn off exceptions and RTTI; faiss reports errors with exceptions and
      # ParameterSpace relies on dynamic_cast.
      'cflags!': ['-fno-exceptions', '-fno-rtti'],
      'cflags_cc!': ['-fno-exceptions', '-fno-rtti', '-std=gnu++17'],
      'cflags_cc': [
        '-std=c++17',
        '-fexceptions',
        '-frtti',
        '-fopenmp',
        '-include', '<(module_root_dir)/build/src/faiss-compat.h',
      ],
      'ldflags': ['-fopenmp'],
      'libraries': ['-lfaiss', '-lopenblas', '-lgomp'],
    },
  ],
}
