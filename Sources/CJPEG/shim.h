// CJPEG: libjpeg-turbo (Debian package libjpeg-dev). Only GlimpseImaging/JPEG.swift imports this module.
//
// libjpeg reports a fatal error by calling `error_exit`, which must not return; its default
// prints and calls exit(). Swift cannot call setjmp, and a longjmp must never cross Swift
// frames, so the few calls that can fail are wrapped here in static inline C functions (the
// Swift compiler compiles them through Clang): each sets a jump point, calls libjpeg, and
// returns -1 with the message in `reader->message` when libjpeg gave up. Warnings (corrupt
// entropy data, premature end of file) are recorded, not printed, so Swift can refuse them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <jpeglib.h>
#include <jerror.h>

/// Error manager with a jump point and the last message; first member so casts work.
struct glimpse_jpeg_error {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    int error_code;
    int warnings;
    int first_warning_code;
    int saw_eof;
};

static inline void glimpse_jpeg_error_exit(j_common_ptr cinfo) {
    struct glimpse_jpeg_error *err = (struct glimpse_jpeg_error *)cinfo->err;
    err->error_code = cinfo->err->msg_code;
    (*cinfo->err->format_message)(cinfo, err->message);
    longjmp(err->jump, 1);
}

static inline void glimpse_jpeg_emit_message(j_common_ptr cinfo, int level) {
    struct glimpse_jpeg_error *err = (struct glimpse_jpeg_error *)cinfo->err;
    if (level < 0) {
        if (err->warnings == 0) {
            err->first_warning_code = cinfo->err->msg_code;
            (*cinfo->err->format_message)(cinfo, err->message);
        }
        if (cinfo->err->msg_code == JWRN_JPEG_EOF) { err->saw_eof = 1; }
        err->warnings += 1;
    }
}

static inline void glimpse_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

/// A decompressor with its error manager; allocate one, zeroed, per decode.
struct glimpse_jpeg_reader {
    struct jpeg_decompress_struct cinfo;
    struct glimpse_jpeg_error error;
    struct jpeg_progress_mgr progress;
    int max_scans;
    int created;
};

/// Stops a progressive file with more than `max_scans` scans (each scan re-reads the whole
/// coefficient buffer, so a small file with thousands of scans burns CPU for minutes).
static inline void glimpse_jpeg_progress(j_common_ptr cinfo) {
    struct glimpse_jpeg_reader *reader = (struct glimpse_jpeg_reader *)cinfo;
    if (cinfo->is_decompressor && reader->max_scans > 0 && reader->cinfo.input_scan_number > reader->max_scans) {
        struct glimpse_jpeg_error *err = (struct glimpse_jpeg_error *)cinfo->err;
        snprintf(err->message, sizeof err->message, "more than %d scans", reader->max_scans);
        err->error_code = -2;
        longjmp(err->jump, 1);
    }
}

/// Creates the decompressor over `size` bytes at `data` and reads the header (keeping APP1
/// markers for EXIF). Returns 0, or -1 with `reader->error.message` set.
static inline int glimpse_jpeg_read_header(struct glimpse_jpeg_reader *reader,
                                           const unsigned char *data, unsigned long size) {
    reader->cinfo.err = jpeg_std_error(&reader->error.base);
    reader->error.base.error_exit = glimpse_jpeg_error_exit;
    reader->error.base.emit_message = glimpse_jpeg_emit_message;
    reader->error.base.output_message = glimpse_jpeg_output_message;
    if (setjmp(reader->error.jump)) { return -1; }
    jpeg_create_decompress(&reader->cinfo);
    reader->created = 1;
    reader->progress.progress_monitor = glimpse_jpeg_progress;
    reader->cinfo.progress = &reader->progress;
    jpeg_mem_src(&reader->cinfo, data, size);
    jpeg_save_markers(&reader->cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(&reader->cinfo, TRUE);
    return 0;
}

/// Decodes every scanline into `out` (rows `row_stride` bytes apart) in `out_color_space`.
/// Returns 0, or -1 with the message set.
static inline int glimpse_jpeg_read_pixels(struct glimpse_jpeg_reader *reader, J_COLOR_SPACE out_color_space,
                                           unsigned char *out, unsigned long row_stride,
                                           unsigned long buffer_size) {
    if (setjmp(reader->error.jump)) { return -1; }
    reader->cinfo.out_color_space = out_color_space;
    jpeg_start_decompress(&reader->cinfo);
    if ((unsigned long)reader->cinfo.output_height * row_stride > buffer_size ||
        (unsigned long)reader->cinfo.output_width * reader->cinfo.output_components > row_stride) {
        strcpy(reader->error.message, "output buffer does not match the decoded size");
        return -1;
    }
    while (reader->cinfo.output_scanline < reader->cinfo.output_height) {
        JSAMPROW row = out + (unsigned long)reader->cinfo.output_scanline * row_stride;
        if (jpeg_read_scanlines(&reader->cinfo, &row, 1) != 1) {
            strcpy(reader->error.message, "the decoder made no progress");
            return -1;
        }
    }
    jpeg_finish_decompress(&reader->cinfo);
    return 0;
}

/// Releases everything the reader holds (safe after a failure).
static inline void glimpse_jpeg_destroy_reader(struct glimpse_jpeg_reader *reader) {
    if (reader->created) { jpeg_destroy_decompress(&reader->cinfo); reader->created = 0; }
}

/// Compresses `height` rows of `width` x `components` (1 = gray, 3 = RGB, 4 = CMYK, stored
/// with an Adobe marker, as YCCK when `ycck`) bytes at `pixels` with the given quality
/// (1-100) into a malloc'd buffer `*out` of `*out_size` bytes (free it with `free`).
/// Returns 0, or -1 with `message` (JMSG_LENGTH_MAX bytes) set.
static inline int glimpse_jpeg_compress(const unsigned char *pixels, unsigned int width, unsigned int height,
                                        int components, int quality, int progressive, int ycck,
                                        unsigned char **out, unsigned long *out_size, char *message) {
    struct jpeg_compress_struct cinfo;
    struct glimpse_jpeg_error error;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&error, 0, sizeof error);
    *out = NULL;
    *out_size = 0;
    cinfo.err = jpeg_std_error(&error.base);
    error.base.error_exit = glimpse_jpeg_error_exit;
    error.base.emit_message = glimpse_jpeg_emit_message;
    error.base.output_message = glimpse_jpeg_output_message;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&cinfo);
        if (*out) { free(*out); *out = NULL; }
        strcpy(message, error.message);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, out, out_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = components;
    cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : components == 4 ? JCS_CMYK : JCS_RGB;
    jpeg_set_defaults(&cinfo);
    if (components == 4) { jpeg_set_colorspace(&cinfo, ycck ? JCS_YCCK : JCS_CMYK); }
    jpeg_set_quality(&cinfo, quality, TRUE);
    if (progressive) { jpeg_simple_progression(&cinfo); }
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (unsigned long)cinfo.next_scanline * width * components);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    return 0;
}
