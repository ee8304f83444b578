// CPNG: libpng 1.6 (Debian package libpng-dev). Only GlimpseImaging/PNG.swift imports this module.
//
// libpng reports a fatal error through an error callback that must not return (its default
// prints and longjmps, or aborts when no jump point is set). Swift cannot call setjmp, and a
// longjmp must never cross Swift frames, so the calls that can fail are wrapped here in static
// inline C functions (the Swift compiler compiles them through Clang): each sets libpng's jump
// point, calls libpng, and returns -1 with the message in `message` when libpng gave up.
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <png.h>

/// One PNG decode over an in-memory file; allocate one, zeroed, per decode.
struct glimpse_png_reader {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    size_t position;
    int truncated;
    int warnings;
    char message[256];
};

static inline void glimpse_png_error(png_structp png, png_const_charp text) {
    struct glimpse_png_reader *reader = (struct glimpse_png_reader *)png_get_error_ptr(png);
    strncpy(reader->message, text, sizeof reader->message - 1);
    png_longjmp(png, 1);
}

static inline void glimpse_png_warning(png_structp png, png_const_charp text) {
    struct glimpse_png_reader *reader = (struct glimpse_png_reader *)png_get_error_ptr(png);
    (void)text;
    reader->warnings += 1;
}

static inline void glimpse_png_read_data(png_structp png, png_bytep out, size_t length) {
    struct glimpse_png_reader *reader = (struct glimpse_png_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->position) {
        reader->truncated = 1;
        png_error(png, "unexpected end of file");
    }
    memcpy(out, reader->data + reader->position, length);
    reader->position += length;
}

/// Creates the decoder over `size` bytes at `data` and reads every chunk up to the first IDAT.
/// Returns 0, or -1 with `reader->message` set (`truncated` tells a short file).
static inline int glimpse_png_read_header(struct glimpse_png_reader *reader,
                                          const unsigned char *data, size_t size) {
    reader->data = data;
    reader->size = size;
    reader->position = 0;
    reader->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, reader, glimpse_png_error, glimpse_png_warning);
    if (!reader->png) { strcpy(reader->message, "cannot create the libpng decoder"); return -1; }
    reader->info = png_create_info_struct(reader->png);
    if (!reader->info) { strcpy(reader->message, "cannot create the libpng info"); return -1; }
    if (setjmp(png_jmpbuf(reader->png))) { return -1; }
    png_set_read_fn(reader->png, reader, glimpse_png_read_data);
    // The caller checks its pixel budget from the header; let libpng accept any legal size.
    png_set_user_limits(reader->png, 0x7fffffffL, 0x7fffffffL);
    png_set_chunk_malloc_max(reader->png, 8u << 20);
    png_read_info(reader->png, reader->info);
    return 0;
}

/// Decodes every row into `out` (rows `row_stride` bytes apart, `channels` bytes a pixel).
/// `indices` != 0 keeps palette indices (one byte each); otherwise pixels are expanded to
/// 8-bit gray, RGB or RGBA (16-bit scaled, tRNS to alpha, gray with alpha to RGBA).
static inline int glimpse_png_read_pixels(struct glimpse_png_reader *reader, int indices, int channels,
                                          unsigned char *out, size_t row_stride, size_t buffer_size) {
    png_structp png = reader->png;
    png_infop info = reader->info;
    if (setjmp(png_jmpbuf(png))) { return -1; }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    if (indices) {
        png_set_packing(png);
    } else {
        int has_trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
        if (bit_depth == 16) { png_set_scale_16(png); }
        if (color_type == PNG_COLOR_TYPE_PALETTE) { png_set_palette_to_rgb(png); }
        if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) { png_set_expand_gray_1_2_4_to_8(png); }
        if (has_trns) { png_set_tRNS_to_alpha(png); }
        if ((color_type == PNG_COLOR_TYPE_GRAY && has_trns) || color_type == PNG_COLOR_TYPE_GRAY_ALPHA) {
            png_set_gray_to_rgb(png);
        }
    }
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    if (png_get_channels(png, info) != channels || png_get_rowbytes(png, info) > row_stride ||
        (size_t)height * row_stride > buffer_size) {
        strcpy(reader->message, "decoded layout does not match the header");
        return -1;
    }
    for (int pass = 0; pass < passes; pass++) {
        for (png_uint_32 y = 0; y < height; y++) {
            png_read_row(png, out + (size_t)y * row_stride, NULL);
        }
    }
    png_read_end(png, NULL);
    return 0;
}

/// Releases everything the reader holds (safe after a failure).
static inline void glimpse_png_destroy_reader(struct glimpse_png_reader *reader) {
    if (reader->png) { png_destroy_read_struct(&reader->png, reader->info ? &reader->info : NULL, NULL); }
    reader->png = NULL;
    reader->info = NULL;
}

/// A growing malloc'd output buffer for the encoder.
struct glimpse_png_output {
    unsigned char *bytes;
    size_t size;
    size_t capacity;
    char message[256];
};

static inline void glimpse_png_write_error(png_structp png, png_const_charp text) {
    struct glimpse_png_output *output = (struct glimpse_png_output *)png_get_error_ptr(png);
    strncpy(output->message, text, sizeof output->message - 1);
    png_longjmp(png, 1);
}

static inline void glimpse_png_write_warning(png_structp png, png_const_charp text) { (void)png; (void)text; }

static inline void glimpse_png_write_data(png_structp png, png_bytep data, size_t length) {
    struct glimpse_png_output *output = (struct glimpse_png_output *)png_get_io_ptr(png);
    if (output->size + length > output->capacity) {
        size_t capacity = output->capacity ? output->capacity : 65536;
        while (capacity < output->size + length) { capacity *= 2; }
        unsigned char *grown = (unsigned char *)realloc(output->bytes, capacity);
        if (!grown) { png_error(png, "out of memory"); }
        output->bytes = grown;
        output->capacity = capacity;
    }
    memcpy(output->bytes + output->size, data, length);
    output->size += length;
}

static inline void glimpse_png_flush(png_structp png) { (void)png; }

/// Encodes 8-bit rows (`color_type` a PNG_COLOR_TYPE_*, tightly packed) into `output->bytes`
/// (malloc'd; free it). For palettes, `palette` holds `palette_count` RGB triples.
static inline int glimpse_png_write(struct glimpse_png_output *output, const unsigned char *pixels,
                                    png_uint_32 width, png_uint_32 height, int color_type, int channels,
                                    const unsigned char *palette, int palette_count) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, output,
                                              glimpse_png_write_error, glimpse_png_write_warning);
    if (!png) { strcpy(output->message, "cannot create the libpng encoder"); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); strcpy(output->message, "out of memory"); return -1; }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(output->bytes);
        output->bytes = NULL;
        output->size = 0;
        return -1;
    }
    png_set_write_fn(png, output, glimpse_png_write_data, glimpse_png_flush);
    png_set_IHDR(png, info, width, height, 8, color_type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_color colors[256];
        for (int i = 0; i < palette_count && i < 256; i++) {
            colors[i].red = palette[3 * i];
            colors[i].green = palette[3 * i + 1];
            colors[i].blue = palette[3 * i + 2];
        }
        png_set_PLTE(png, info, colors, palette_count);
    }
    png_write_info(png, info);
    for (png_uint_32 y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * width * channels));
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}
