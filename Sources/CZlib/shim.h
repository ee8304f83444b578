// CZlib: zlib (Debian package zlib1g-dev). Only GlimpseDatasets/Gzip.swift imports this module.
#include <zlib.h>
