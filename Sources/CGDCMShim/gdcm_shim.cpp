// GDCM decoding of one encapsulated frame, as pydicom's GDCM plugin does it (pydicom/pixels/decoders/gdcm.py):
// one fragment in a SequenceOfFragments, a gdcm::Image with the frame's dimensions, photometric interpretation,
// pixel format and transfer syntax, then Image::GetBuffer. C++ exceptions stop here.
#include "gdcm_shim.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <mutex>
#include <sstream>
#include <string>

#include <vector>

#include <charls/charls.h>
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
        if (ts == gdcm::TransferSyntax::JPEGLSLossless || ts == gdcm::TransferSyntax::JPEGLSNearLossless) {
            if (int status = charls_accepts(data, size, message, message_size)) return status;
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
        gdcm::PhotometricInterpretation::PIType pi = gdcm::PhotometricInterpretation::GetPIType(info->photometric);
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
