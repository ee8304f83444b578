// CPNG: libpng 1.6 (Debian package libpng-dev). Only GlimpseImaging/PNG.swift imports this module.
#include <png.h>
