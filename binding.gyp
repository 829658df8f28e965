{
  "targets": [
    {
      "target_name": "rmnetctl_native",
      "sources": ["native/src/addon.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "libraries": ["-lutil"]
    }
  ]
}
