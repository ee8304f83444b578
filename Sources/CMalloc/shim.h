// CMalloc: glibc allocator tuning (mallopt). Only GlimpseTensor/Parallel.swift imports this module.
#include <malloc.h>
