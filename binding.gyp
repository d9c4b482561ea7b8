{
  "targets": [
    {
      "target_name": "os_calls",
      "sources": ["src/native/os-calls.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
