using System.Buffers.Binary;

namespace ClipNet.Vision;

/// <summary>
/// Pillow's <c>ImageOps.exif_transpose</c>: turns an image stored with EXIF orientation 2..8 into the
/// upright image a viewer shows. The reference pipeline does not do this (it processes images as stored),
/// so it is an option.
/// </summary>
public static class ExifOrientation
{
    /// <summary>The image as displayed for the EXIF orientation tag value (1..8); other values leave it unchanged.</summary>
    public static DecodedImage Apply(DecodedImage image, int orientation)
    {
        if (orientation is < 2 or > 8) return image;
        int w = image.Width, h = image.Height, bpp = image.BytesPerPixel;
        bool swapsAxes = orientation >= 5;
        int outWidth = swapsAxes ? h : w, outHeight = swapsAxes ? w : h;
        var output = new byte[image.Pixels.Length];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                var (sx, sy) = orientation switch
                {
                    2 => (w - 1 - x, y),          // mirrored left to right
                    3 => (w - 1 - x, h - 1 - y),  // rotated 180 degrees
                    4 => (x, h - 1 - y),          // mirrored top to bottom
                    5 => (y, x),                  // transposed
                    6 => (y, h - 1 - x),          // stored turned 90 degrees anticlockwise: display turns it clockwise
                    7 => (w - 1 - y, h - 1 - x),  // transversed
                    _ => (w - 1 - y, x),          // 8: stored turned 90 degrees clockwise
                };
                image.Pixels.AsSpan((sy * w + sx) * bpp, bpp).CopyTo(output.AsSpan((y * outWidth + x) * bpp));
            }
        }
        return new DecodedImage(image.Mode, outWidth, outHeight, output);
    }
}

/// <summary>What a photo's EXIF block says about displaying and dating it.</summary>
/// <param name="Orientation">The orientation tag, 1 (upright) when absent; see <see cref="ExifOrientation.Apply"/>.</param>
/// <param name="CapturedAt">DateTimeOriginal (else DateTimeDigitized, else DateTime) as the camera's local time; null when absent or malformed.</param>
public sealed record ExifMetadata(int Orientation, DateTime? CapturedAt)
{
    public static readonly ExifMetadata None = new(1, null);

    /// <summary>
    /// Reads the EXIF block of a JPEG (APP1), PNG (eXIf chunk) or WebP (EXIF chunk) file. Anything missing,
    /// truncated or malformed gives <see cref="None"/> or leaves that field out: metadata never makes a photo unreadable.
    /// </summary>
    public static ExifMetadata Read(byte[] encoded)
    {
        var tiff = FindTiffBlock(encoded);
        return tiff.IsEmpty ? None : new TiffTags(tiff).Metadata();
    }

    static ReadOnlySpan<byte> FindTiffBlock(byte[] file)
    {
        var data = file.AsSpan();
        if (data.Length > 4 && data[0] == 0xFF && data[1] == 0xD8)
        {
            // JPEG: APP1 segments before the first scan; the Exif one starts "Exif\0\0".
            int position = 2;
            while (position + 4 <= data.Length && data[position] == 0xFF)
            {
                byte marker = data[position + 1];
                if (marker is 0xDA or 0xD9) break;
                int length = (data[position + 2] << 8) | data[position + 3];
                if (length < 2 || position + 2 + length > data.Length) break;
                var payload = data.Slice(position + 4, length - 2);
                if (marker == 0xE1 && payload.StartsWith("Exif\0\0"u8)) return payload[6..];
                position += 2 + length;
            }
        }
        else if (data.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            // PNG: length, type, data, CRC per chunk.
            for (long position = 8; position + 8 <= data.Length;)
            {
                long length = BinaryPrimitives.ReadUInt32BigEndian(data[(int)position..]);
                if (position + 12 + length > data.Length) break;
                if (data.Slice((int)position + 4, 4).SequenceEqual("eXIf"u8)) return data.Slice((int)position + 8, (int)length);
                position += 12 + length;
            }
        }
        else if (data.Length >= 12 && data.StartsWith("RIFF"u8) && data.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            // WebP: little-endian RIFF chunks, padded to even length.
            for (long position = 12; position + 8 <= data.Length;)
            {
                long length = BinaryPrimitives.ReadUInt32LittleEndian(data[((int)position + 4)..]);
                if (position + 8 + length > data.Length) break;
                if (data.Slice((int)position, 4).SequenceEqual("EXIF"u8))
                {
                    var payload = data.Slice((int)position + 8, (int)length);
                    return payload.StartsWith("Exif\0\0"u8) ? payload[6..] : payload;
                }
                position += 8 + length + (length & 1);
            }
        }
        return [];
    }

    /// <summary>The few TIFF tags a photo index needs, read with every offset checked against the block.</summary>
    readonly ref struct TiffTags(ReadOnlySpan<byte> tiff)
    {
        const ushort OrientationTag = 0x0112, DateTimeTag = 0x0132, ExifIfdTag = 0x8769, DateTimeOriginalTag = 0x9003, DateTimeDigitizedTag = 0x9004;
        readonly ReadOnlySpan<byte> tiff = tiff;
        readonly bool bigEndian = tiff.Length >= 8 && tiff[0] == (byte)'M';

        public ExifMetadata Metadata()
        {
            if (tiff.Length < 8 || !(tiff.StartsWith("II*\0"u8) || tiff.StartsWith("MM\0*"u8))) return None;
            long ifd0 = U32(4);
            int orientation = (int)(Find(ifd0, OrientationTag) is { } o ? U16(o.ValueOffset) : 1u);
            DateTime? captured = null;
            if (Find(ifd0, ExifIfdTag) is { } exifPointer)
            {
                long exifIfd = U32(exifPointer.ValueOffset);
                captured = DateAt(Find(exifIfd, DateTimeOriginalTag)) ?? DateAt(Find(exifIfd, DateTimeDigitizedTag));
            }
            captured ??= DateAt(Find(ifd0, DateTimeTag));
            return new ExifMetadata(orientation is >= 1 and <= 8 ? orientation : 1, captured);
        }

        readonly record struct Entry(uint Count, long ValueOffset);

        Entry? Find(long ifd, ushort tag)
        {
            if (ifd <= 0 || ifd + 2 > tiff.Length) return null;
            int entries = (int)U16(ifd);
            for (int i = 0; i < entries; i++)
            {
                long entry = ifd + 2 + 12L * i;
                if (entry + 12 > tiff.Length) return null;
                if (U16(entry) != tag) continue;
                uint count = U32(entry + 4);
                // Values of up to 4 bytes sit in the entry itself; longer ones are elsewhere in the block.
                long valueOffset = tag is DateTimeTag or DateTimeOriginalTag or DateTimeDigitizedTag && count > 4 ? U32(entry + 8) : entry + 8;
                return valueOffset + Math.Max(count, 4) <= tiff.Length ? new Entry(count, valueOffset) : null;
            }
            return null;
        }

        DateTime? DateAt(Entry? entry)
        {
            if (entry is not { Count: >= 19 } e) return null;
            string text = System.Text.Encoding.ASCII.GetString(tiff.Slice((int)e.ValueOffset, 19));
            return DateTime.TryParseExact(text, "yyyy:MM:dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.None, out var date) ? date : null;
        }

        uint U16(long offset) => offset + 2 > tiff.Length ? 0u : bigEndian
            ? BinaryPrimitives.ReadUInt16BigEndian(tiff[(int)offset..])
            : (uint)BinaryPrimitives.ReadUInt16LittleEndian(tiff[(int)offset..]);

        uint U32(long offset) => offset + 4 > tiff.Length ? 0 : bigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(tiff[(int)offset..])
            : BinaryPrimitives.ReadUInt32LittleEndian(tiff[(int)offset..]);
    }
}
