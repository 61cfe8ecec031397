// RAII over libarchive's handles. A bundle is read through ArchiveReader, which pulls the
// file through its own read callback so every byte libarchive sees is hashed on the way: a
// tar costs no second pass for its digest. (A zip is read from its central directory, the
// only place that holds modes and symlinks, so libarchive seeks; then the digest takes a
// second sequential pass.) Only formats and filters that libarchive decodes in-process are
// enabled: no external decompressor ever runs on vendor input.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <locale.h>

#include <memory>
#include <string>

#include "bundle/sha256.hpp"
#include "common/files.hpp"

namespace pdai::bundle {

struct ArchiveReadFree {
    void operator()(archive* a) const noexcept { archive_read_free(a); }
};
struct ArchiveWriteFree {
    void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct ArchiveEntryFree {
    void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};
using ArchiveEntryPtr = std::unique_ptr<archive_entry, ArchiveEntryFree>;

// Bundle paths are UTF-8, but pdai runs in the C locale, where libarchive cannot convert
// them for pax headers (it would write hdrcharset=BINARY, or crash on a UTF-8-only name).
// This switches the calling thread, and only it, to C.UTF-8 while an archive is open.
class ScopedUtf8Locale {
public:
    ScopedUtf8Locale();
    ~ScopedUtf8Locale();
    ScopedUtf8Locale(const ScopedUtf8Locale&) = delete;
    ScopedUtf8Locale& operator=(const ScopedUtf8Locale&) = delete;

private:
    locale_t utf8_ = nullptr, previous_ = nullptr;
};

// Reads tar (ustar, pax, GNU) and zip, plain or compressed with gzip, bzip2, xz, zstd or lz4.
class ArchiveReader {
public:
    // Takes the descriptor; `name` is used in messages.
    ArchiveReader(UniqueFd fd, std::string name);
    ArchiveReader(const ArchiveReader&) = delete;
    ArchiveReader& operator=(const ArchiveReader&) = delete;

    archive* get() const noexcept { return a_.get(); }
    // Next header, or nullptr at the end. Throws Error(usage) on a damaged archive.
    archive_entry* next();
    // Copies the current entry's data, up to `n` bytes; 0 at its end.
    std::size_t read_data(void* buf, std::size_t n);
    // After each entry (its data read): where in the unpacked stream it ended.
    void entry_done();
    // After next() said the end: refuses a tar that stops without its end-of-archive blocks
    // (two zero blocks of 512 bytes), as a file cut short by a failed copy does.
    void check_complete() const;
    // Reads what is left of the file after the archive's end (so the digest covers the
    // whole file, like sha256sum) and returns the digest and the file's size.
    std::string finish_digest();
    std::uint64_t bytes_read() const noexcept { return bytes_; }
    // Archive bytes the decoders have consumed so far (what bytes_read() read ahead in 1 MiB
    // chunks is not counted until it is decoded): the denominator of the bomb ratio.
    std::uint64_t bytes_consumed() const noexcept;

    [[noreturn]] void fail(const std::string& doing) const;

private:
    static la_ssize_t on_read(archive* a, void* self, const void** buf);
    static la_int64_t on_seek(archive* a, void* self, la_int64_t offset, int whence);

    ScopedUtf8Locale locale_;
    UniqueFd fd_;
    std::string name_;
    std::unique_ptr<archive, ArchiveReadFree> a_;
    std::unique_ptr<char[]> buf_;
    Sha256 hash_;
    std::uint64_t bytes_ = 0;
    int read_errno_ = 0;
    bool sequential_ = true;  // false once libarchive seeked: hash_ no longer covers the file
    std::int64_t entry_end_ = 0;  // position in the unpacked stream after the last entry
};

// How `pdai bundle pack` and `pdai algo export` compress, chosen by the output's suffix.
enum class Compression { none, gzip, zstd, xz, bzip2 };

// ".tar" none, ".tar.gz"/".tgz" gzip, ".tar.zst" zstd, ".tar.xz" xz, ".tar.bz2" bzip2;
// anything else throws Error(usage).
Compression compression_for(const std::string& file_name);

// Writes a pax tar with the given compression to `fd`, with no timestamps in the
// compressor's header either, so the same entries give the same bytes every time. The
// bytes are digested as they are written.
class ArchiveWriter {
public:
    ArchiveWriter(const UniqueFd& fd, Compression c, std::string name);
    ArchiveWriter(const ArchiveWriter&) = delete;
    ArchiveWriter& operator=(const ArchiveWriter&) = delete;

    void header(archive_entry* e);
    void data(const void* p, std::size_t n);
    // Flushes the archive; returns the SHA-256 of everything written. Call once, at the end.
    std::string close();
    std::uint64_t bytes_written() const noexcept { return bytes_; }

    [[noreturn]] void fail(const std::string& doing) const;

private:
    static la_ssize_t on_write(archive* a, void* self, const void* buf, std::size_t n);

    ScopedUtf8Locale locale_;
    const UniqueFd& fd_;
    std::string name_;
    std::unique_ptr<archive, ArchiveWriteFree> a_;
    Sha256 hash_;
    std::uint64_t bytes_ = 0;
};

}  // namespace pdai::bundle
