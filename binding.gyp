{
  "targets": [
    {
      "target_name": "os_calls",
      "sources": ["src/native/os-calls.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "wal-client",
      "type": "executable",
      "sources": ["src/native/wal-client.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
