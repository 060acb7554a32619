// Built instead of src/server/*.cpp with -DN2V_WITH_SERVE=OFF (no cpp-httplib or hnswlib).
#include "core/errors.h"
#include "server/serve.h"

namespace n2v {

void run_serve(const ServeOptions&) {
  throw UsageError("serve: this n2v was built without the HTTP server (cmake -DN2V_WITH_SERVE=OFF); rebuild with "
                   "it on (Debian's libcpp-httplib-dev and libhnswlib-dev)");
}

}  // namespace n2v
