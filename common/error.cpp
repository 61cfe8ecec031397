#include "common/error.hpp"

#include <cerrno>
#include <cstring>

namespace pdai {

void throw_errno(const std::string& doing, int err) {
    if (err == ENOSPC || err == EDQUOT)
        throw Error(Errc::failure, doing + ": the disk is full (" + std::strerror(err) + ")",
                    "free some disk space, then try again");
    throw Error(err == ENOENT ? Errc::not_found : Errc::failure, doing + ": " + std::strerror(err));
}

}  // namespace pdai
