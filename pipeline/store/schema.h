#pragma once

#include "store/sqlite.h"

namespace petiscan::db {

// Number of migrations this build knows (the schema version it writes).
int schema_version();

// Applies the missing migrations up to `target` (default: all), each in its
// own transaction. Throws DatabaseError when the file was made by a newer petiscan.
void migrate(Connection& conn, int target = -1);

}  // namespace petiscan::db
