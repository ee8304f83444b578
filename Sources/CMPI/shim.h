// CMPI: the C interface of Open MPI (Debian packages openmpi-bin and libopenmpi-dev; the
// include path comes from pkg-config's mpi-c).
// Only GlimpseDistributed/MPI.swift imports this module.
#include <mpi.h>

// Open MPI spells its handles as macros that take the address of a global (MPI_COMM_WORLD is
// `((MPI_Comm)(void *)&ompi_mpi_comm_world)`), which Swift cannot import: these return them.
static inline MPI_Comm glimpse_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype glimpse_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype glimpse_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op glimpse_mpi_max(void) { return MPI_MAX; }
static inline MPI_Datatype glimpse_mpi_int(void) { return MPI_INT; }
static inline MPI_Datatype glimpse_mpi_uint64(void) { return MPI_UINT64_T; }
static inline MPI_Request glimpse_mpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *glimpse_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
