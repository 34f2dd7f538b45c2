// The errno's name ("EPERM"), "OK" for 0: the in-container programs print it
// and the tests compare exact errors.
#pragma once

#include <cstring>

inline const char* errname(int e) {
    if (e == 0) return "OK";
    const char* name = strerrorname_np(e);
    return name != nullptr ? name : "E?";
}
