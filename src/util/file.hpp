// Bounded reads of whole files and streams. Inputs to the hook come from the
// runtime and the container; a size cap keeps a hostile 100 MB config or an
// endless stream from exhausting the hook.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "util/fd.hpp"
#include "util/result.hpp"

namespace osh::file {

inline constexpr size_t kMaxInputBytes = 16u << 20;  // 16 MiB: far above any real config.json

// Reads an open fd to EOF, failing past `limit` bytes; `expected` (a regular
// file's size) sizes the first read.
Result<std::string> read_fd(int fd, std::string_view what, size_t limit = kMaxInputBytes,
                            size_t expected = 0);

// Opens for reading the very inode that `pathfd` (an O_PATH fd, already
// checked to be a regular file: `st` is its fstat) names, through
// /proc/self/fd: no second path lookup to race, and nothing else is ever
// opened. The reopened fd is checked to be that inode. Errors carry the
// errno (ENOENT when /proc is not mounted).
Result<UniqueFd> reopen_for_reading(int pathfd, const struct stat& st, std::string_view shown);

// Opens a regular file (O_NOFOLLOW on the last component is NOT implied;
// pass `nofollow` for paths that must not be symlinks) and reads it.
// Refuses directories, FIFOs and devices without blocking on them.
Result<std::string> read_regular(const std::string& path, bool nofollow = false,
                                 size_t limit = kMaxInputBytes);

// The same, for `name` relative to the directory `dirfd`; errors say `shown`.
// `st_out`, when given, receives the file's stat (its mode, to keep on a rewrite).
Result<std::string> read_regular_at(int dirfd, const std::string& name, std::string_view shown,
                                    bool nofollow, size_t limit = kMaxInputBytes,
                                    struct stat* st_out = nullptr);

// Writes `data` to `dir/name` atomically: a temp file in the same directory,
// renamed over the target (readers see the old or the new file, never a part;
// not made durable against power loss, see file.cpp).
Result<void> write_atomic(int dirfd, const std::string& name, std::string_view data, int mode);

// An anonymous memory file holding `data`, sealed against any change, and
// inherited across exec (no FD_CLOEXEC): a program started next can open
// /proc/self/fd/N and read exactly these bytes.
Result<UniqueFd> sealed_memfd(const char* name, std::string_view data);

// Creates `dir/name` holding `data` only if no such name exists (the error's
// errno is then EEXIST): the file appears whole or not at all, also when the
// writer is killed. An unnamed file (O_TMPFILE) linked in when written; on a
// file system without O_TMPFILE, a named temp file linked in, then removed.
Result<void> create_whole(int dirfd, const std::string& name, std::string_view data, int mode);
// create_whole's way on a file system without O_TMPFILE (declared for its
// tests: every file system here has O_TMPFILE).
Result<void> create_whole_named(int dirfd, const std::string& name, std::string_view data,
                                int mode);

}  // namespace osh::file
