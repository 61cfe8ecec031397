// pdai gpu probe|bench|check|weights|results: the CUDA side of the gpu group. The commands
// exist in every build (so the command tree, man page and completions do not depend on
// the toolkit); without CUDA they say so.
#pragma once

#include <CLI/CLI.hpp>

namespace pdai::cli {

class Context;

void set_gpu_device_commands(CLI::App& gpu_group, Context& ctx);

}  // namespace pdai::cli
