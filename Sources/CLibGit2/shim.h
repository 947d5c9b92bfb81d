#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/mempack.h>

/* git_libgit2_opts is variadic, which Swift cannot call: these wrappers set what the project needs. */

/* Cache trees and commits up to `object_limit` bytes each (libgit2 caches trees only up to 4 KiB by
   default, so big directories were inflated again for every merge), within `total` bytes overall. */
static inline int mergebert_set_object_cache(size_t object_limit, ssize_t total) {
    int error = git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, object_limit);
    if (error == 0) error = git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_COMMIT, object_limit);
    if (error == 0) error = git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, total);
    return error;
}
