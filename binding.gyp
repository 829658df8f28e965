{
  "targets": [
    {
      "target_name": "rmnetctl_native",
      "sources": ["native/src/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "libraries": ["-lutil"]
    },
    {
      "target_name": "rmnetctl_bench",
      "sources": ["native/bench/qmap_walk.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"]
    }
  ]
}
