#ifndef AIMS_MPI_SHIM_H
#define AIMS_MPI_SHIM_H
/*
 * Open MPI behind a small C API, loaded at run time. The `aims` binary does not link MPI: only a process
 * started by an MPI launcher (mpirun sets OMPI_COMM_WORLD_SIZE, a PMIx launcher PMIX_RANK) calls
 * `aims_mpi_init`, which dlopen()s libmpi.so.40 (Debian's libopenmpi3; AIMS_LIBMPI names another file),
 * resolves the few functions and predefined handles aims uses, and initialises MPI. A process run alone
 * never loads MPI nor pays MPI_Init (docs/ARCHITECTURE.md, "Distributed").
 *
 * The handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are Open MPI's: addresses of exported globals
 * (`ompi_mpi_comm_world`, ...), as its mpi.h defines them, so no MPI header is needed to build aims.
 *
 * Every call but `aims_mpi_abort` returns 0 on success, else nonzero with MPI's (or the loader's) message
 * copied into `message` (`capacity` bytes, NUL-terminated). MPI_COMM_WORLD's error handler is
 * MPI_ERRORS_RETURN, so an MPI error reaches the caller instead of aborting inside the library.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Element types of the collectives. */
typedef enum aims_mpi_type { AIMS_MPI_BYTE = 0, AIMS_MPI_FLOAT = 1, AIMS_MPI_DOUBLE = 2, AIMS_MPI_INT64 = 3 } aims_mpi_type;

/** 1 if an MPI launcher started this process (OMPI_COMM_WORLD_SIZE or PMIX_RANK set), else 0. */
int aims_mpi_launched(void);

/** Loads libmpi and calls MPI_Init_thread (MPI_THREAD_SERIALIZED): 0 on success. Idempotent. */
int aims_mpi_init(char *message, size_t capacity);

/** This process's rank in MPI_COMM_WORLD and the world's size (after a successful init; else 0 and 1). */
int aims_mpi_rank(void);
int aims_mpi_size(void);

/** The MPI library's version text (MPI_Get_library_version) into `text`; 0 on success. */
int aims_mpi_library_version(char *text, size_t capacity);

int aims_mpi_barrier(char *message, size_t capacity);

/** MPI_Bcast of `count` elements of `type` from `root` (counts beyond INT_MAX are sent in pieces). */
int aims_mpi_bcast(void *buffer, int64_t count, aims_mpi_type type, int root, char *message, size_t capacity);

/** MPI_Allgather: `count` elements from every rank into `receive` (size · count elements, rank order). */
int aims_mpi_allgather(const void *send, void *receive, int count, aims_mpi_type type, char *message, size_t capacity);

/** MPI_Allgatherv of bytes: rank r's `counts[r]` bytes land at `receive + displacements[r]`. */
int aims_mpi_allgatherv_bytes(const void *send, int count, void *receive, const int *counts, const int *displacements,
                              char *message, size_t capacity);

/** MPI_Alltoall: block r (`count` elements) of `send` goes to rank r; block q of `receive` comes from rank q. */
int aims_mpi_alltoall(const void *send, void *receive, int count, aims_mpi_type type, char *message, size_t capacity);

/** MPI_Allreduce with MPI_SUM in place (Open MPI chooses the order of the additions). */
int aims_mpi_allreduce_sum(void *buffer, int count, aims_mpi_type type, char *message, size_t capacity);

/**
 * Nonblocking MPI_Ialltoall / MPI_Iallgather (as the blocking calls above): `*request` receives the request,
 * which `aims_mpi_test` (sets `*done` to 1 once complete, then the buffers may be read) or `aims_mpi_wait`
 * completes and frees. Open MPI moves the data of a pending collective only inside MPI calls, so a caller
 * overlapping it with computation calls `aims_mpi_test` now and then. The all-to-alls run on one duplicate of
 * MPI_COMM_WORLD, the all-gathers on another: start each kind in the same order on every rank.
 */
int aims_mpi_ialltoall(const void *send, void *receive, int count, aims_mpi_type type, void **request, char *message,
                       size_t capacity);
int aims_mpi_iallgather(const void *send, void *receive, int count, aims_mpi_type type, void **request, char *message,
                        size_t capacity);
int aims_mpi_test(void **request, int *done, char *message, size_t capacity);
int aims_mpi_wait(void **request, char *message, size_t capacity);

/** MPI_Wtime: seconds. */
double aims_mpi_wtime(void);

/** MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job (mpirun reports the rank that called it). */
void aims_mpi_abort(int code);

/** MPI_Finalize (a no-op unless initialised): 0 on success. */
int aims_mpi_finalize(char *message, size_t capacity);

#ifdef __cplusplus
}
#endif
#endif
