/*
 * Open MPI loaded with dlopen (see include/mpi_shim.h): function pointers and predefined handles are
 * resolved once by `aims_mpi_init`. Open MPI 4's components are plugins that resolve libmpi's symbols
 * against the global namespace, hence RTLD_GLOBAL.
 */
#include "mpi_shim.h"
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void *handle;   /* MPI_Comm, MPI_Datatype, MPI_Op, MPI_Errhandler: pointers in Open MPI */

static struct {
    int (*initialized)(int *);
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_rank)(handle, int *);
    int (*comm_size)(handle, int *);
    int (*comm_set_errhandler)(handle, handle);
    int (*error_string)(int, char *, int *);
    int (*get_library_version)(char *, int *);
    int (*barrier)(handle);
    int (*bcast)(void *, int, handle, int, handle);
    int (*allgather)(const void *, int, handle, void *, int, handle, handle);
    int (*allgatherv)(const void *, int, handle, void *, const int *, const int *, handle, handle);
    int (*alltoall)(const void *, int, handle, void *, int, handle, handle);
    int (*allreduce)(const void *, void *, int, handle, handle, handle);
    int (*ialltoall)(const void *, int, handle, void *, int, handle, handle, handle *);
    int (*iallgather)(const void *, int, handle, void *, int, handle, handle, handle *);
    int (*test)(handle *, int *, void *);
    int (*comm_dup)(handle, handle *);
    int (*wait)(handle *, void *);
    double (*wtime)(void);
    int (*abort)(handle, int);
    int (*finalized)(int *);
    int (*finalize)(void);
    handle world, sum, errors_return;
    /* Duplicates of MPI_COMM_WORLD for the nonblocking all-to-alls and all-gathers: the standard wants the
       collectives on one communicator started in the same order on every rank, and a rank-order sum starts its
       all-gather when its all-to-all is found complete, which differs in time between ranks. Each kind on its
       own communicator, each started in bucket order, keeps that order. */
    handle exchange_comm, gather_comm;
    handle types[4];
} mpi;
static int ready, rank_, size_ = 1;

int aims_mpi_launched(void) { return getenv("OMPI_COMM_WORLD_SIZE") != NULL || getenv("PMIX_RANK") != NULL; }

static int fail(char *message, size_t capacity, const char *text) {
    if (capacity > 0) snprintf(message, capacity, "%s", text);
    return 1;
}

/* MPI's message for `code`, prefixed by what was being done. */
static int mpi_fail(int code, const char *call, char *message, size_t capacity) {
    char text[512] = "";
    int length = 0;
    if (mpi.error_string == NULL || mpi.error_string(code, text, &length) != 0) snprintf(text, sizeof text, "error %d", code);
    if (capacity > 0) snprintf(message, capacity, "%s: %s", call, text);
    return 1;
}

#define RESOLVE(field, name)                                                                   \
    do {                                                                                       \
        *(void **)&mpi.field = dlsym(lib, name);                                               \
        if (mpi.field == NULL) { snprintf(missing, sizeof missing, "%s", name); goto absent; } \
    } while (0)

int aims_mpi_init(char *message, size_t capacity) {
    if (ready) return 0;
    const char *path = getenv("AIMS_LIBMPI");
    void *lib = dlopen(path && *path ? path : "libmpi.so.40", RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL && !(path && *path)) lib = dlopen("libmpi.so", RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        char text[768];
        snprintf(text, sizeof text, "cannot load Open MPI (%s): %s; install openmpi-bin (scripts/ensure-deps)",
                 path && *path ? path : "libmpi.so.40", dlerror());
        return fail(message, capacity, text);
    }
    char missing[128];
    RESOLVE(initialized, "MPI_Initialized");
    RESOLVE(init_thread, "MPI_Init_thread");
    RESOLVE(comm_rank, "MPI_Comm_rank");
    RESOLVE(comm_size, "MPI_Comm_size");
    RESOLVE(comm_set_errhandler, "MPI_Comm_set_errhandler");
    RESOLVE(error_string, "MPI_Error_string");
    RESOLVE(get_library_version, "MPI_Get_library_version");
    RESOLVE(barrier, "MPI_Barrier");
    RESOLVE(bcast, "MPI_Bcast");
    RESOLVE(allgather, "MPI_Allgather");
    RESOLVE(allgatherv, "MPI_Allgatherv");
    RESOLVE(alltoall, "MPI_Alltoall");
    RESOLVE(allreduce, "MPI_Allreduce");
    RESOLVE(ialltoall, "MPI_Ialltoall");
    RESOLVE(iallgather, "MPI_Iallgather");
    RESOLVE(test, "MPI_Test");
    RESOLVE(wait, "MPI_Wait");
    RESOLVE(comm_dup, "MPI_Comm_dup");
    RESOLVE(wtime, "MPI_Wtime");
    RESOLVE(abort, "MPI_Abort");
    RESOLVE(finalized, "MPI_Finalized");
    RESOLVE(finalize, "MPI_Finalize");
    /* Open MPI's predefined handles are the addresses of these globals (mpi.h, OMPI_PREDEFINED_GLOBAL). */
    RESOLVE(world, "ompi_mpi_comm_world");
    RESOLVE(sum, "ompi_mpi_op_sum");
    RESOLVE(errors_return, "ompi_mpi_errors_return");
    RESOLVE(types[AIMS_MPI_BYTE], "ompi_mpi_byte");
    RESOLVE(types[AIMS_MPI_FLOAT], "ompi_mpi_float");
    RESOLVE(types[AIMS_MPI_DOUBLE], "ompi_mpi_double");
    RESOLVE(types[AIMS_MPI_INT64], "ompi_mpi_int64_t");

    int already = 0, provided = 0, code;
    mpi.initialized(&already);
    if (!already && (code = mpi.init_thread(NULL, NULL, 2 /* MPI_THREAD_SERIALIZED */, &provided)) != 0)
        return mpi_fail(code, "MPI_Init_thread", message, capacity);
    if ((code = mpi.comm_set_errhandler(mpi.world, mpi.errors_return)) != 0)
        return mpi_fail(code, "MPI_Comm_set_errhandler", message, capacity);
    if ((code = mpi.comm_dup(mpi.world, &mpi.exchange_comm)) != 0 || (code = mpi.comm_dup(mpi.world, &mpi.gather_comm)) != 0)
        return mpi_fail(code, "MPI_Comm_dup", message, capacity);
    mpi.comm_set_errhandler(mpi.exchange_comm, mpi.errors_return);
    mpi.comm_set_errhandler(mpi.gather_comm, mpi.errors_return);
    mpi.comm_rank(mpi.world, &rank_);
    mpi.comm_size(mpi.world, &size_);
    ready = 1;
    return 0;
absent: {
        char text[256];
        snprintf(text, sizeof text, "the loaded MPI library has no symbol %s (aims needs Open MPI 4 or later)", missing);
        return fail(message, capacity, text);
    }
}

int aims_mpi_rank(void) { return rank_; }
int aims_mpi_size(void) { return size_; }

#define NEED_READY                                                                   \
    if (!ready) return fail(message, capacity, "MPI is not initialised (aims_mpi_init)")

int aims_mpi_library_version(char *text, size_t capacity) {
    if (!ready || capacity == 0) return 1;
    char buffer[512];   /* MPI_MAX_LIBRARY_VERSION_STRING is 256 in Open MPI */
    int length = 0;
    if (mpi.get_library_version(buffer, &length) != 0) return 1;
    snprintf(text, capacity, "%s", buffer);
    return 0;
}

int aims_mpi_barrier(char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.barrier(mpi.world);
    return code ? mpi_fail(code, "MPI_Barrier", message, capacity) : 0;
}

static size_t type_size(aims_mpi_type type) { return type == AIMS_MPI_BYTE ? 1 : type == AIMS_MPI_FLOAT ? 4 : 8; }

int aims_mpi_bcast(void *buffer, int64_t count, aims_mpi_type type, int root, char *message, size_t capacity) {
    NEED_READY;
    char *p = buffer;
    while (count > 0) {
        int piece = count > INT_MAX ? INT_MAX : (int)count;
        int code = mpi.bcast(p, piece, mpi.types[type], root, mpi.world);
        if (code) return mpi_fail(code, "MPI_Bcast", message, capacity);
        p += (size_t)piece * type_size(type);
        count -= piece;
    }
    return 0;
}

int aims_mpi_allgather(const void *send, void *receive, int count, aims_mpi_type type, char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.allgather(send, count, mpi.types[type], receive, count, mpi.types[type], mpi.world);
    return code ? mpi_fail(code, "MPI_Allgather", message, capacity) : 0;
}

int aims_mpi_allgatherv_bytes(const void *send, int count, void *receive, const int *counts, const int *displacements,
                              char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.allgatherv(send, count, mpi.types[AIMS_MPI_BYTE], receive, counts, displacements, mpi.types[AIMS_MPI_BYTE],
                              mpi.world);
    return code ? mpi_fail(code, "MPI_Allgatherv", message, capacity) : 0;
}

int aims_mpi_alltoall(const void *send, void *receive, int count, aims_mpi_type type, char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.alltoall(send, count, mpi.types[type], receive, count, mpi.types[type], mpi.world);
    return code ? mpi_fail(code, "MPI_Alltoall", message, capacity) : 0;
}

int aims_mpi_allreduce_sum(void *buffer, int count, aims_mpi_type type, char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.allreduce((const void *)1 /* MPI_IN_PLACE */, buffer, count, mpi.types[type], mpi.sum, mpi.world);
    return code ? mpi_fail(code, "MPI_Allreduce", message, capacity) : 0;
}

/* MPI_Request is a pointer in Open MPI; MPI_STATUS_IGNORE is NULL. */
int aims_mpi_ialltoall(const void *send, void *receive, int count, aims_mpi_type type, void **request, char *message,
                       size_t capacity) {
    NEED_READY;
    int code = mpi.ialltoall(send, count, mpi.types[type], receive, count, mpi.types[type], mpi.exchange_comm, request);
    return code ? mpi_fail(code, "MPI_Ialltoall", message, capacity) : 0;
}

int aims_mpi_iallgather(const void *send, void *receive, int count, aims_mpi_type type, void **request, char *message,
                        size_t capacity) {
    NEED_READY;
    int code = mpi.iallgather(send, count, mpi.types[type], receive, count, mpi.types[type], mpi.gather_comm, request);
    return code ? mpi_fail(code, "MPI_Iallgather", message, capacity) : 0;
}

int aims_mpi_test(void **request, int *done, char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.test(request, done, NULL);
    return code ? mpi_fail(code, "MPI_Test", message, capacity) : 0;
}

int aims_mpi_wait(void **request, char *message, size_t capacity) {
    NEED_READY;
    int code = mpi.wait(request, NULL);
    return code ? mpi_fail(code, "MPI_Wait", message, capacity) : 0;
}

double aims_mpi_wtime(void) { return ready ? mpi.wtime() : 0; }

void aims_mpi_abort(int code) {
    if (ready) mpi.abort(mpi.world, code);
    exit(code);
}

int aims_mpi_finalize(char *message, size_t capacity) {
    if (!ready) return 0;
    int done = 0;
    mpi.finalized(&done);
    if (done) return 0;
    int code = mpi.finalize();
    return code ? mpi_fail(code, "MPI_Finalize", message, capacity) : 0;
}
