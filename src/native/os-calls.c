// System calls Node.js does not expose: waitpid on one pid, the child-subreaper flag, mkfifo and malloc_trim.
// Used by the PID 1 reaper (never waitpid(-1), which would steal libuv's children), by the
// log pipes, and once the instance is ready. See waitpid(2), prctl(2) PR_SET_CHILD_SUBREAPER, mkfifo(3),
// malloc_trim(3).
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <node_api.h>

#define CHECK(call)                                                      \
  do {                                                                   \
    if ((call) != napi_ok) {                                             \
      napi_throw_error(env, NULL, "N-API call failed: " #call);          \
      return NULL;                                                       \
    }                                                                    \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, message, error;
  napi_create_string_utf8(env, strerror(err), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_value errnoValue;
  napi_create_int32(env, err, &errnoValue);
  napi_set_named_property(env, error, "errno", errnoValue);
  napi_throw(env, error);
  return NULL;
}

// reap(pid): waitpid(pid, WNOHANG). Returns null while the process runs (or is not our child),
// else { pid, exitCode, signal }.
static napi_value reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t pid = 0;
  CHECK(napi_get_value_int32(env, argv[0], &pid));
  if (pid <= 0) {
    napi_throw_range_error(env, NULL, "pid must be positive (never waitpid(-1) or a group)");
    return NULL;
  }
  int status = 0;
  pid_t got;
  do {
    got = waitpid(pid, &status, WNOHANG);
  } while (got < 0 && errno == EINTR);
  napi_value result;
  if (got <= 0) {
    CHECK(napi_get_null(env, &result));
    return result;
  }
  CHECK(napi_create_object(env, &result));
  napi_value v;
  CHECK(napi_create_int32(env, got, &v));
  CHECK(napi_set_named_property(env, result, "pid", v));
  if (WIFEXITED(status)) {
    CHECK(napi_create_int32(env, WEXITSTATUS(status), &v));
  } else {
    CHECK(napi_get_null(env, &v));
  }
  CHECK(napi_set_named_property(env, result, "exitCode", v));
  if (WIFSIGNALED(status)) {
    CHECK(napi_create_int32(env, WTERMSIG(status), &v));
  } else {
    CHECK(napi_get_null(env, &v));
  }
  CHECK(napi_set_named_property(env, result, "signal", v));
  return result;
}

// setChildSubreaper(on): orphans of our descendants are reparented to us instead of to init.
static napi_value set_child_subreaper(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  bool on = false;
  CHECK(napi_get_value_bool(env, argv[0], &on));
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) != 0) return throw_errno(env, "prctl(PR_SET_CHILD_SUBREAPER)", errno);
  napi_value undef;
  CHECK(napi_get_undefined(env, &undef));
  return undef;
}

// mkfifo(path, mode)
static napi_value make_fifo(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t len = 0;
  CHECK(napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len));
  if (len >= sizeof path - 1) {
    napi_throw_range_error(env, NULL, "path too long");
    return NULL;
  }
  uint32_t mode = 0600;
  CHECK(napi_get_value_uint32(env, argv[1], &mode));
  if (mkfifo(path, (mode_t)mode) != 0) return throw_errno(env, "mkfifo", errno);
  napi_value undef;
  CHECK(napi_get_undefined(env, &undef));
  return undef;
}

// malloc_trim(0): gives the free pages of every malloc arena back to the kernel. Memory that start-up work
// allocated and freed otherwise stays in the process's RSS. Returns whether any was released.
static napi_value malloc_trim_all(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  CHECK(napi_get_boolean(env, malloc_trim(0) == 1, &result));
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"reap", NULL, reap, NULL, NULL, NULL, napi_default, NULL},
      {"setChildSubreaper", NULL, set_child_subreaper, NULL, NULL, NULL, napi_default, NULL},
      {"mkfifo", NULL, make_fifo, NULL, NULL, NULL, napi_default, NULL},
      {"mallocTrim", NULL, malloc_trim_all, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
