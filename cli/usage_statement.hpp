// A bureau's chargeback statement (app::Statement) as text or as one self-contained HTML page.
#pragma once

#include <string>

#include "app/usage.hpp"

namespace pdai::cli {

using app::Statement;

std::string statement_text(const Statement& s);
std::string statement_html(const Statement& s);

}  // namespace pdai::cli
