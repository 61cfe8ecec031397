#include "bundle/archive.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.hpp"

namespace pdai::bundle {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

ScopedUtf8Locale::ScopedUtf8Locale() : utf8_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr)) {
    if (utf8_) previous_ = ::uselocale(utf8_);
}

ScopedUtf8Locale::~ScopedUtf8Locale() {
    if (!utf8_) return;
    ::uselocale(previous_);
    ::freelocale(utf8_);
}

ArchiveReader::ArchiveReader(UniqueFd fd, std::string name)
    : fd_(std::move(fd)), name_(std::move(name)), a_(archive_read_new()),
      buf_(std::make_unique_for_overwrite<char[]>(kIoChunk)) {
    if (!a_) throw Error(Errc::failure, "out of memory creating an archive reader");
    archive* a = a_.get();
    // Each of these decodes in-process with the library Debian's libarchive links; ARCHIVE_WARN
    // would mean a fallback to an external program, which vendor input must never reach.
    for (auto add : {archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
                     archive_read_support_filter_xz, archive_read_support_filter_zstd,
                     archive_read_support_filter_lz4})
        if (add(a) != ARCHIVE_OK) fail("enabling a decompressor");
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_format_zip(a) != ARCHIVE_OK)
        fail("enabling the tar and zip readers");
    archive_read_set_read_callback(a, &ArchiveReader::on_read);
    archive_read_set_seek_callback(a, &ArchiveReader::on_seek);
    archive_read_set_callback_data(a, this);
    if (archive_read_open1(a) != ARCHIVE_OK) fail("opening");
}

la_int64_t ArchiveReader::on_seek(archive* a, void* self_ptr, la_int64_t offset, int whence) {
    auto* self = static_cast<ArchiveReader*>(self_ptr);
    self->sequential_ = false;
    off_t at = ::lseek(self->fd_.get(), static_cast<off_t>(offset), whence);
    if (at < 0) {
        archive_set_error(a, errno, "seek error");
        return ARCHIVE_FATAL;
    }
    return at;
}

la_ssize_t ArchiveReader::on_read(archive* a, void* self_ptr, const void** buf) {
    auto* self = static_cast<ArchiveReader*>(self_ptr);
    for (;;) {
        ssize_t n = ::read(self->fd_.get(), self->buf_.get(), kIoChunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            self->read_errno_ = errno;
            archive_set_error(a, errno, "read error");
            return -1;
        }
        self->hash_.update(self->buf_.get(), static_cast<std::size_t>(n));
        self->bytes_ += static_cast<std::uint64_t>(n);
        *buf = self->buf_.get();
        return n;
    }
}

void ArchiveReader::fail(const std::string& doing) const {
    if (read_errno_)
        throw Error(Errc::failure, "cannot read " + name_ + ": " + std::strerror(read_errno_));
    const char* why = archive_error_string(a_.get());
    throw Error(Errc::usage,
                name_ + ": " + doing + ": " + (why ? why : "not a bundle archive"),
                "a bundle is a tar (plain, .gz, .bz2, .xz, .zst, .lz4) or zip archive");
}

archive_entry* ArchiveReader::next() {
    archive_entry* e = nullptr;
    int rc = archive_read_next_header(a_.get(), &e);
    if (rc == ARCHIVE_EOF) return nullptr;
    // ARCHIVE_WARN is a header libarchive could read but not fully (e.g. an unknown pax
    // key); everything pdai relies on is then checked by the TreeBuilder anyway.
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) fail(bytes_ == 0 ? "reading" : "reading an entry header");
    return e;
}

std::size_t ArchiveReader::read_data(void* buf, std::size_t n) {
    la_ssize_t got = archive_read_data(a_.get(), buf, n);
    if (got < 0) fail("reading an entry's data");
    return static_cast<std::size_t>(got);
}

std::uint64_t ArchiveReader::bytes_consumed() const noexcept {
    const la_int64_t n = archive_filter_bytes(a_.get(), -1);  // the last filter: the file itself
    return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

void ArchiveReader::entry_done() { entry_end_ = archive_filter_bytes(a_.get(), 0); }

void ArchiveReader::check_complete() const {
    // libarchive accepts a tar that just stops after an entry ("there are tar writers that do
    // this"). Its end-of-archive marker is a zero block after the last entry's data (padded
    // to 512 bytes); when libarchive met it, it consumed at least that block.
    if (archive_format(a_.get()) == 0 || (archive_format(a_.get()) & ARCHIVE_FORMAT_BASE_MASK) != ARCHIVE_FORMAT_TAR)
        return;
    const std::int64_t padded = (entry_end_ + 511) / 512 * 512;
    if (archive_filter_bytes(a_.get(), 0) >= padded + 512) return;
    throw Error(Errc::usage, name_ + ": the tar archive ends without its end-of-archive blocks (truncated?)",
                "copy the bundle again, or pack it again with 'pdai bundle pack'");
}

std::string ArchiveReader::finish_digest() {
    if (sequential_) {
        read_all(fd_, name_, [&](const char* p, std::size_t n) {
            hash_.update(p, n);
            bytes_ += n;
        });
        return hash_.hex_digest();
    }
    if (::lseek(fd_.get(), 0, SEEK_SET) != 0)
        throw Error(Errc::failure, "cannot re-read " + name_ + ": " + std::strerror(errno));
    Sha256 whole;
    bytes_ = 0;
    read_all(fd_, name_, [&](const char* p, std::size_t n) {
        whole.update(p, n);
        bytes_ += n;
    });
    return whole.hex_digest();
}

Compression compression_for(const std::string& name) {
    if (ends_with(name, ".tar.gz") || ends_with(name, ".tgz")) return Compression::gzip;
    if (ends_with(name, ".tar.zst")) return Compression::zstd;
    if (ends_with(name, ".tar.xz")) return Compression::xz;
    if (ends_with(name, ".tar.bz2")) return Compression::bzip2;
    if (ends_with(name, ".tar")) return Compression::none;
    throw Error(Errc::usage, "cannot tell the archive type of '" + name + "' from its name",
                "name it .tar.gz, .tgz, .tar.zst, .tar.xz, .tar.bz2 or .tar");
}

ArchiveWriter::ArchiveWriter(const UniqueFd& fd, Compression c, std::string name)
    : fd_(fd), name_(std::move(name)), a_(archive_write_new()) {
    if (!a_) throw Error(Errc::failure, "out of memory creating an archive writer");
    archive* a = a_.get();
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) fail("choosing the tar format");
    int rc = ARCHIVE_OK;
    switch (c) {
    case Compression::none: rc = archive_write_add_filter_none(a); break;
    case Compression::gzip:
        rc = archive_write_add_filter_gzip(a);
        // The gzip header holds a timestamp unless told not to.
        if (rc == ARCHIVE_OK) rc = archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);
        break;
    case Compression::zstd: rc = archive_write_add_filter_zstd(a); break;
    case Compression::xz: rc = archive_write_add_filter_xz(a); break;
    case Compression::bzip2: rc = archive_write_add_filter_bzip2(a); break;
    }
    if (rc != ARCHIVE_OK) fail("choosing the compression");
    // Pad only to tar's 512-byte blocks, not to a 10 KiB record: still a valid tar.
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open(a, this, nullptr, &ArchiveWriter::on_write, nullptr) != ARCHIVE_OK)
        fail("opening");
}

la_ssize_t ArchiveWriter::on_write(archive* a, void* self_ptr, const void* buf, std::size_t n) {
    auto* self = static_cast<ArchiveWriter*>(self_ptr);
    try {
        write_all(self->fd_, std::string_view(static_cast<const char*>(buf), n), self->name_);
    } catch (const Error& e) {
        archive_set_error(a, EIO, "%s", e.what());
        return -1;
    }
    self->hash_.update(buf, n);
    self->bytes_ += n;
    return static_cast<la_ssize_t>(n);
}

void ArchiveWriter::fail(const std::string& doing) const {
    const char* why = archive_error_string(a_.get());
    throw Error(Errc::failure, "writing " + name_ + ": " + doing + ": " + (why ? why : "unknown error"));
}

void ArchiveWriter::header(archive_entry* e) {
    if (archive_write_header(a_.get(), e) < ARCHIVE_WARN) fail("writing a header");
}

void ArchiveWriter::data(const void* p, std::size_t n) {
    auto* bytes = static_cast<const char*>(p);
    while (n > 0) {
        la_ssize_t w = archive_write_data(a_.get(), bytes, n);
        if (w <= 0) fail("writing data");
        bytes += w;
        n -= static_cast<std::size_t>(w);
    }
}

std::string ArchiveWriter::close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) fail("finishing");
    return hash_.hex_digest();
}

}  // namespace pdai::bundle
