#include "seccomp/compile.hpp"
// Implementation in progress.
