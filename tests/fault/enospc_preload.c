// Fault injection for the disk-full tests: an LD_PRELOAD library that makes
// write(), pwrite() and pwrite64() to regular files fail with ENOSPC once a
// budget of bytes is spent, as a full disk would (a tmpfs of limited size
// needs root; tests do not have it).
//
//   ENOSPC_AFTER_BYTES=N   bytes that may still be written to regular files
//                          (by this process, across all files); the write
//                          that would exceed it writes what fits and the
//                          next fails with ENOSPC
//
// Writes to anything else (terminals, pipes: the program's stdout and
// stderr) are passed through. Without the variable nothing changes.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static long long budget = -1;  // -1: unlimited
static int initialised = 0;

static void Init(void) {
  if (initialised) return;
  initialised = 1;
  const char* value = getenv("ENOSPC_AFTER_BYTES");
  if (value != NULL) budget = atoll(value);
}

// How many of `count` bytes to `fd` may be written; -1 with errno = ENOSPC
// if none.
static ssize_t Allowed(int fd, size_t count) {
  Init();
  if (budget < 0 || count == 0) return (ssize_t)count;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return (ssize_t)count;
  if (budget == 0) {
    errno = ENOSPC;
    return -1;
  }
  const size_t allowed = (long long)count > budget ? (size_t)budget : count;
  budget -= (long long)allowed;
  return (ssize_t)allowed;
}

ssize_t write(int fd, const void* data, size_t count) {
  static ssize_t (*real)(int, const void*, size_t) = NULL;
  if (real == NULL) real = dlsym(RTLD_NEXT, "write");
  const ssize_t allowed = Allowed(fd, count);
  if (allowed < 0) return -1;
  return real(fd, data, (size_t)allowed);
}

ssize_t pwrite(int fd, const void* data, size_t count, off_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off_t) = NULL;
  if (real == NULL) real = dlsym(RTLD_NEXT, "pwrite");
  const ssize_t allowed = Allowed(fd, count);
  if (allowed < 0) return -1;
  return real(fd, data, (size_t)allowed, offset);
}

ssize_t pwrite64(int fd, const void* data, size_t count, off64_t offset) {
  static ssize_t (*real)(int, const void*, size_t, off64_t) = NULL;
  if (real == NULL) real = dlsym(RTLD_NEXT, "pwrite64");
  const ssize_t allowed = Allowed(fd, count);
  if (allowed < 0) return -1;
  return real(fd, data, (size_t)allowed, offset);
}
