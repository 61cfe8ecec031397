// What a 'set' leaves: the row after it, and whether anything changed. A change to the values
// a row already has writes nothing: no update, no audit entry.
#pragma once

namespace pdai::catalog {

template <class T>
struct Updated {
    T value;
    bool changed = false;
};

}  // namespace pdai::catalog
