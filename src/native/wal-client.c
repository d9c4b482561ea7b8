/*
 * wal-client: the `wal-archive` / `wal-restore` subcommands as a small native program (same argv and exit
 * codes as src/wal/wal-command.ts). PostgreSQL starts archive_command once per WAL segment and waits for it,
 * serially; a Node process costs 100-300 ms to start on these machines, this one ~1 ms, so the archiver's pace
 * becomes the uploads' (the manager's in-process client behind the WAL channel). It only names the file: one
 * HTTP/1.1 request over the Unix socket <controller>/run/wal-channel/channel.sock, the answer's status mapped
 * to barman-cloud-wal-restore's exit codes (1 not found, 2 unreachable, 3 bad name, 4 other), each failure
 * after 100 ms (CNPG internal/cmd/manager/walrestore/cmd.go) except the end-of-wal-stream one (409).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void pause_100ms(void) {
  struct timespec ts = {0, 100 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

/* Appends s to out as a JSON string body (quotes, backslashes and control characters escaped). */
static size_t json_escape(char *out, size_t cap, const char *s) {
  size_t n = 0;
  for (; *s && n + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') { out[n++] = '\\'; out[n++] = (char)c; }
    else if (c < 0x20) n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
    else out[n++] = (char)c;
  }
  out[n] = '\0';
  return n;
}

static int request(const char *sock, const char *path, const char *body, char *reply, size_t cap) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(sock) >= sizeof addr.sun_path) return -1;
  strcpy(addr.sun_path, sock);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  char head[256];
  int hn = snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: wal-channel\r\nContent-Type: application/json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", path, strlen(body));
  if (write(fd, head, (size_t)hn) != hn || write(fd, body, strlen(body)) != (ssize_t)strlen(body)) {
    close(fd);
    return -1;
  }
  size_t got = 0;
  ssize_t r;
  while (got + 1 < cap && (r = read(fd, reply + got, cap - 1 - got)) != 0) {
    if (r < 0) { if (errno == EINTR) continue; break; }
    got += (size_t)r;
  }
  reply[got] = '\0';
  close(fd);
  int status = 0;
  if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1) return -1;
  return status;
}

int main(int argc, char **argv) {
  if (argc < 2) { fprintf(stderr, "usage: wal-client wal-archive|wal-restore ...\n"); return 3; }
  const char *command = argv[1];
  const char *controller = getenv("PGIM_CONTROLLER_DIR");
  if (!controller || !*controller) controller = "/controller";
  int rewind = 0;
  const char *pos[2] = {NULL, NULL};
  int npos = 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--rewind") == 0) rewind = 1;
    else if (strcmp(argv[i], "--log-destination") == 0 && i + 1 < argc) i++;
    else if (strcmp(argv[i], "--controller-dir") == 0 && i + 1 < argc) controller = argv[++i];
    else if (npos < 2) pos[npos++] = argv[i];
    else { fprintf(stderr, "%s: unexpected argument %s\n", command, argv[i]); return 3; }
  }
  char sock[4096], body[8192], reply[8192], esc[4096], dest[4096];
  snprintf(sock, sizeof sock, "%s/run/wal-channel/channel.sock", controller);
  int archive = strcmp(command, "wal-archive") == 0;
  if (archive) {
    if (npos != 1) { fprintf(stderr, "usage: wal-archive [--log-destination FILE] [--controller-dir DIR] WAL_PATH\n"); return 3; }
    const char *slash = strrchr(pos[0], '/');
    json_escape(esc, sizeof esc, slash ? slash + 1 : pos[0]);
    snprintf(body, sizeof body, "{\"name\":\"%s\"}", esc);
  } else if (strcmp(command, "wal-restore") == 0) {
    if (npos != 2) { fprintf(stderr, "usage: wal-restore [--rewind] [--log-destination FILE] [--controller-dir DIR] WAL_NAME DEST_PATH\n"); return 3; }
    if (pos[1][0] == '/') snprintf(dest, sizeof dest, "%s", pos[1]);
    else {
      char cwd[2048];
      if (!getcwd(cwd, sizeof cwd)) return 4;
      snprintf(dest, sizeof dest, "%s/%s", cwd, pos[1]);
    }
    char escDest[4096];
    json_escape(esc, sizeof esc, pos[0]);
    json_escape(escDest, sizeof escDest, dest);
    snprintf(body, sizeof body, "{\"name\":\"%s\",\"dest\":\"%s\",\"rewind\":%s}", esc, escDest, rewind ? "true" : "false");
  } else {
    fprintf(stderr, "unknown command %s\n", command);
    return 3;
  }
  int status = request(sock, archive ? "/wal-archive" : "/wal-restore", body, reply, sizeof reply);
  if (status == 200) return 0;
  const char *text = status < 0 ? "the instance manager does not answer on its WAL channel: is `instance run` running?" : strstr(reply, "\r\n\r\n");
  if (archive) {
    fprintf(stderr, "{\"level\":\"warning\",\"logger\":\"wal-archive\",\"msg\":\"WAL not archived\",\"wal\":\"%s\",\"socket\":\"%s\",\"error\":%s%s%s}\n", esc, sock, status < 0 ? "\"" : "", text ? (status < 0 ? text : text + 4) : "\"\"", status < 0 ? "\"" : "");
    return 1;
  }
  if (status != 409) pause_100ms();
  if (status < 0) return 2;
  switch (status) {
    case 404: case 409: return 1;
    case 503: return 2;
    case 400: return 3;
    default: return 4;
  }
}
