// CBLAS: the C interface of OpenBLAS (Debian package libopenblas-dev).
// Only GlimpseTensor/BLAS.swift imports this module.
#include <cblas.h>
// Declared again in case the cblas.h alternative is not OpenBLAS's own header.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
