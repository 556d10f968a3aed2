// GDCM decoding of one encapsulated frame, as pydicom's GDCM plugin does it (pydicom/pixels/decoders/gdcm.py):
// one fragment in a SequenceOfFragments, a gdcm::Image with the frame's dimensions, photometric interpretation,
// pixel format and transfer syntax, then Image::GetBuffer. C++ exceptions stop here.
#include "gdcm_shim.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <sstream>
#include <string>

#include <vector>

#include <charls/charls.h>
#include <openjpeg.h>
#include <gdcmDataElement.h>
#include <gdcmFragment.h>
#include <gdcmImage.h>
#include <gdcmPhotometricInterpretation.h>
#include <gdcmPixelFormat.h>
#include <gdcmSequenceOfFragments.h>
#include <gdcmTrace.h>
#include <gdcmTransferSyntax.h>
#include <gdcmVersion.h>

namespace {
void set_message(char *message, size_t size, const std::string &text) {
    if (message == nullptr || size == 0) return;
    std::snprintf(message, size, "%s", text.c_str());
}

// GDCM writes warnings to std::cerr by default; keep them (and errors) in a buffer nobody prints.
void quiet_gdcm() {
    static std::once_flag once;
    static std::ostringstream sink;
    std::call_once(once, [] {
        gdcm::Trace::SetStream(sink);
        gdcm::Trace::DebugOff();
        gdcm::Trace::WarningOff();
        gdcm::Trace::ErrorOff();
    });
}
}  // namespace

// GDCM 3.0's JPEGLSCodec::Decode leaks its copy of the codestream whenever CharLS refuses it (found by
// scripts/fuzz, docs/RELIABILITY.md). CharLS decodes the frame first here: GDCM only ever sees codestreams CharLS
// accepts, and a bad one is an error with CharLS's message. Returns 0, or 6 with `message` set.
static int charls_accepts(const uint8_t *data, size_t size, char *message, size_t message_size) {
    charls_jpegls_decoder *decoder = charls_jpegls_decoder_create();
    if (decoder == nullptr) {
        set_message(message, message_size, "CharLS: cannot create a decoder");
        return 6;
    }
    charls_jpegls_errc e = charls_jpegls_decoder_set_source_buffer(decoder, data, size);
    if (e == charls::jpegls_errc::success) e = charls_jpegls_decoder_read_header(decoder);
    size_t needed = 0;
    if (e == charls::jpegls_errc::success) e = charls_jpegls_decoder_get_destination_size(decoder, 0, &needed);
    if (e == charls::jpegls_errc::success) {
        std::vector<uint8_t> scratch(needed);
        e = charls_jpegls_decoder_decode_to_buffer(decoder, scratch.data(), scratch.size(), 0);
    }
    charls_jpegls_decoder_destroy(decoder);
    if (e == charls::jpegls_errc::success) return 0;
    set_message(message, message_size, std::string("CharLS: ") + charls_get_error_message(e));
    return 6;
}

// GDCM 3.0's JPEG2000Codec leaks OpenJPEG's codec and stream when a codestream fails to decode (found by
// scripts/fuzz). OpenJPEG decodes the frame first here, from memory, cleaning up on every path: GDCM only ever
// sees codestreams OpenJPEG accepts. Returns 0, or 7 with `message` set.
struct MemorySource {
    const uint8_t *data;
    size_t size;
    size_t position;
};

static OPJ_SIZE_T memory_read(void *buffer, OPJ_SIZE_T count, void *user) {
    auto *s = static_cast<MemorySource *>(user);
    if (s->position >= s->size) return static_cast<OPJ_SIZE_T>(-1);
    const size_t n = std::min<size_t>(count, s->size - s->position);
    std::memcpy(buffer, s->data + s->position, n);
    s->position += n;
    return n;
}

static OPJ_OFF_T memory_skip(OPJ_OFF_T count, void *user) {
    auto *s = static_cast<MemorySource *>(user);
    if (count < 0) {
        const size_t back = std::min<size_t>(static_cast<size_t>(-count), s->position);
        s->position -= back;
        return -static_cast<OPJ_OFF_T>(back);
    }
    const size_t n = std::min<size_t>(static_cast<size_t>(count), s->size - std::min(s->position, s->size));
    s->position += n;
    return static_cast<OPJ_OFF_T>(n);
}

static OPJ_BOOL memory_seek(OPJ_OFF_T offset, void *user) {
    auto *s = static_cast<MemorySource *>(user);
    if (offset < 0 || static_cast<uint64_t>(offset) > s->size) return OPJ_FALSE;
    s->position = static_cast<size_t>(offset);
    return OPJ_TRUE;
}

static void keep_opj_message(const char *text, void *user) {
    auto *out = static_cast<std::string *>(user);
    if (out->empty() && text != nullptr) {
        *out = text;
        while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
    }
}

/* Decodes a JPEG 2000 codestream with OpenJPEG (cleaning up on every path); 0 when it decodes into `components`
 * components, the count GDCM asserts (aborts) on. */
static int openjpeg_accepts(const uint8_t *data, size_t size, unsigned components, char *message, size_t message_size) {
    static const uint8_t jp2_signature[12] = {0, 0, 0, 0x0C, 'j', 'P', ' ', ' ', 0x0D, 0x0A, 0x87, 0x0A};
    const bool jp2 = size >= 12 && std::memcmp(data, jp2_signature, 12) == 0;
    opj_codec_t *codec = opj_create_decompress(jp2 ? OPJ_CODEC_JP2 : OPJ_CODEC_J2K);
    if (codec == nullptr) {
        set_message(message, message_size, "OpenJPEG: cannot create a decoder");
        return 7;
    }
    std::string error;
    opj_set_error_handler(codec, keep_opj_message, &error);
    opj_set_warning_handler(codec, [](const char *, void *) {}, nullptr);
    opj_set_info_handler(codec, [](const char *, void *) {}, nullptr);
    opj_dparameters_t parameters;
    opj_set_default_decoder_parameters(&parameters);
    MemorySource source{data, size, 0};
    opj_stream_t *stream = opj_stream_create(1 << 16, OPJ_TRUE);
    opj_image_t *image = nullptr;
    bool ok = stream != nullptr && opj_setup_decoder(codec, &parameters);
    if (ok) {
        opj_stream_set_user_data(stream, &source, nullptr);
        opj_stream_set_user_data_length(stream, size);
        opj_stream_set_read_function(stream, memory_read);
        opj_stream_set_skip_function(stream, memory_skip);
        opj_stream_set_seek_function(stream, memory_seek);
        ok = opj_read_header(stream, codec, &image) && opj_decode(codec, stream, image) && opj_end_decompress(codec, stream);
    }
    const unsigned found = image != nullptr ? image->numcomps : 0;
    if (image != nullptr) opj_image_destroy(image);
    if (stream != nullptr) opj_stream_destroy(stream);
    opj_destroy_codec(codec);
    if (ok && found != components) {
        set_message(message, message_size, "OpenJPEG: the codestream has " + std::to_string(found) +
                                               " components, the photometric interpretation " + std::to_string(components));
        return 7;
    }
    if (ok) return 0;
    set_message(message, message_size, "OpenJPEG: " + (error.empty() ? std::string("cannot decode the codestream") : error));
    return 7;
}

extern "C" int aims_gdcm_decode_frame(const aims_gdcm_frame_info *info, const uint8_t *data, size_t size,
                                      uint8_t *out, size_t out_size, char *message, size_t message_size) {
    try {
        quiet_gdcm();
        gdcm::TransferSyntax::TSType ts = gdcm::TransferSyntax::GetTSType(info->transfer_syntax);
        if (ts == gdcm::TransferSyntax::TS_END) {
            set_message(message, message_size, "GDCM does not know this transfer syntax");
            return 1;
        }
        const unsigned bits_allocated = info->bits_allocated, bits_stored = info->bits_stored;
        gdcm::PhotometricInterpretation::PIType pi = gdcm::PhotometricInterpretation::GetPIType(info->photometric);
        // GDCM asserts (aborts) on an unknown photometric interpretation while decoding JPEG 2000.
        if (pi == gdcm::PhotometricInterpretation::PI_END || pi == gdcm::PhotometricInterpretation::UNKNOWN) {
            set_message(message, message_size, std::string("GDCM does not know the photometric interpretation '") + info->photometric + "'");
            return 1;
        }
        if (ts == gdcm::TransferSyntax::JPEGLSLossless || ts == gdcm::TransferSyntax::JPEGLSNearLossless) {
            if (int status = charls_accepts(data, size, message, message_size)) return status;
        }
        if (ts == gdcm::TransferSyntax::JPEG2000Lossless || ts == gdcm::TransferSyntax::JPEG2000) {
            const unsigned components = gdcm::PhotometricInterpretation(pi).GetSamplesPerPixel();
            if (int status = openjpeg_accepts(data, size, components, message, message_size)) return status;
        }
        gdcm::TransferSyntax syntax(ts);
        gdcm::Fragment fragment;
        fragment.SetByteValue(reinterpret_cast<const char *>(data), gdcm::VL(static_cast<uint32_t>(size)));
        gdcm::SmartPointer<gdcm::SequenceOfFragments> fragments = new gdcm::SequenceOfFragments;
        fragments->AddFragment(fragment);
        gdcm::DataElement element(gdcm::Tag(0x7FE0, 0x0010));
        element.SetValue(*fragments);

        gdcm::Image image;
        image.SetNumberOfDimensions(2);
        const unsigned dims[3] = {info->columns, info->rows, 1};
        image.SetDimensions(dims);
        image.SetDataElement(element);
        image.SetPhotometricInterpretation(gdcm::PhotometricInterpretation(pi));
        image.SetTransferSyntax(syntax);
        gdcm::PixelFormat format(static_cast<unsigned short>(info->samples_per_pixel),
                                 static_cast<unsigned short>(bits_allocated),
                                 static_cast<unsigned short>(bits_stored),
                                 static_cast<unsigned short>(bits_stored - 1),
                                 static_cast<unsigned short>(info->pixel_representation));
        image.SetPixelFormat(format);
        if (info->samples_per_pixel > 1) image.SetPlanarConfiguration(info->planar_configuration);

        const unsigned long needed = image.GetBufferLength();
        if (needed != out_size) {
            set_message(message, message_size, "decoded frame would be " + std::to_string(needed) +
                                                    " bytes, expected " + std::to_string(out_size));
            return 2;
        }
        if (!image.GetBuffer(reinterpret_cast<char *>(out))) {
            set_message(message, message_size, "GDCM could not decode the frame's codestream");
            return 3;
        }
        return 0;
    } catch (const std::exception &e) {
        set_message(message, message_size, std::string("GDCM: ") + e.what());
        return 4;
    } catch (...) {
        set_message(message, message_size, "GDCM raised an unknown exception");
        return 5;
    }
}

extern "C" const char *aims_gdcm_version(void) { return gdcm::Version::GetVersion(); }
