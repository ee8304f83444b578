// CZlib: zlib (Debian package zlib1g-dev). Only GlimpseData/Gzip.swift imports this module.
#include <zlib.h>
