// Numbered schema migrations. The catalog's PRAGMA user_version is the number of
// migrations applied; opening an older catalog applies the rest in one transaction.
#pragma once

#include <string_view>
#include <vector>

namespace pdai::catalog {

class Db;

// 'pdai' in ASCII: PRAGMA application_id tells a pdai catalog from any other SQLite file.
inline constexpr int kApplicationId = 0x70646169;

const std::vector<std::string_view>& migrations();
inline int latest_schema_version() { return static_cast<int>(migrations().size()); }

int schema_version(Db& db);
int application_id(Db& db);
// Applies migrations (version, target]; the caller holds a write transaction.
void migrate_to(Db& db, int target);

}  // namespace pdai::catalog
