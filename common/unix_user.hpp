// Who is running pdai, from the kernel's uid rather than $USER (which anyone can set).
#pragma once

#include <string>
#include <sys/types.h>

namespace pdai {

std::string user_name(uid_t uid);  // "uid:1234" when the uid has no passwd entry
std::string current_user();        // real uid of this process
std::string home_dir();            // $HOME when absolute, else the passwd entry's; "" if neither

}  // namespace pdai
