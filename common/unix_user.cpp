#include "common/unix_user.hpp"

#include <pwd.h>
#include <unistd.h>

#include <vector>

namespace pdai {

std::string user_name(uid_t uid) {
    std::vector<char> buf(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found) return pw.pw_name;
    return "uid:" + std::to_string(uid);
}

std::string current_user() { return user_name(getuid()); }

}  // namespace pdai
