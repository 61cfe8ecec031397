// The SQLite connection behind a Catalog, for the repositories in catalog/ only: no other
// folder includes this (tests/include_check.py enforces it), so SQL stays in catalog/.
#pragma once

#include "catalog/catalog.hpp"
#include "catalog/sqlite.hpp"
