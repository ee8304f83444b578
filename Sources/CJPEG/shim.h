// CJPEG: libjpeg-turbo (Debian package libjpeg-dev). Only GlimpseImaging/JPEG.swift imports this module.
#include <stdio.h>
#include <jpeglib.h>
