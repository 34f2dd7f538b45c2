#include "seccomp/profile.hpp"
// Implementation in progress.
